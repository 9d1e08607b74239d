import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { afterAll, describe, expect, it } from 'vitest';
import { countSamples, iterateBatches } from '../../../core/data/batches';
import { collect, slimflowErrorOf } from './expect-error';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-images-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A fresh folder holding solid-colour PNGs named after their colour. */
function folder(name: string, colours: Record<string, string>): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, colour] of Object.entries(colours)) {
    const c = createCanvas(20, 10);
    const g = c.getContext('2d');
    g.fillStyle = colour;
    g.fillRect(0, 0, 20, 10);
    fs.writeFileSync(path.join(dir, file), c.toBuffer('image/png'));
  }
  return dir;
}

const pre = { height: 4, width: 10, scale: 1 / 255 };

describe('images dataset', () => {
  it('reads a folder in name order, resizing with aspect and padding, unlabeled', async () => {
    const dir = folder('plain', { 'b.png': '#0000ff', 'a.png': '#ff0000' });
    const [batch] = await collect(iterateBatches({ kind: 'images', dir, preprocess: pre }, { batchSize: 8 }));
    expect(batch.ids).toEqual(['a.png', 'b.png']);
    expect(batch.labels).toBeUndefined();
    expect(batch.inputs.x.dims).toEqual([2, 3, 4, 10]);
    const x = batch.inputs.x.data as Float32Array;
    const plane = 4 * 10;
    // a.png is red: BGR planes 0, 0, 1; resized width 8 = ceil(4·20/10), columns 8–9 padded with 0.
    expect([x[0], x[plane], x[2 * plane]]).toEqual([0, 0, 1]);
    expect(x[2 * plane + 7]).toBe(1);
    expect(x[2 * plane + 8]).toBe(0);
    // b.png is blue: B plane of sample 1 is 1.
    expect(x[3 * plane]).toBe(1);
  });

  it('takes labels and order from the labels file', async () => {
    const dir = folder('labeled', { 'one.png': '#fff', 'two.png': '#000' });
    const labels = path.join(root, 'labeled.txt');
    fs.writeFileSync(labels, '# name class\ntwo.png 1\n\none.png\t0\n');
    const [batch] = await collect(iterateBatches({ kind: 'images', dir, labels, preprocess: 'ppocr-cls' }, { batchSize: 8 }));
    expect(batch.ids).toEqual(['two.png', 'one.png']);
    expect(batch.labels).toEqual([1, 0]);
    expect(batch.inputs.x.dims).toEqual([2, 3, 48, 192]);
  });

  it('names the folder when it holds no images', async () => {
    const dir = path.join(root, 'empty');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
    const e = await slimflowErrorOf(() => countSamples({ kind: 'images', dir, preprocess: 'ppocr-cls' }));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(dir);
    expect(e.message).toMatch(/no images/);
  });

  it('reports a missing folder as NOT_FOUND', async () => {
    const dir = path.join(root, 'nowhere');
    const e = await slimflowErrorOf(() => countSamples({ kind: 'images', dir, preprocess: 'ppocr-cls' }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.path).toBe(dir);
  });

  it('names the file that fails to decode', async () => {
    const dir = folder('broken', { 'good.png': '#888' });
    fs.writeFileSync(path.join(dir, 'bad.png'), Buffer.from('this is not a png at all'));
    const e = await slimflowErrorOf(() => collect(iterateBatches({ kind: 'images', dir, preprocess: 'ppocr-cls' }, { batchSize: 4 })));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(path.join(dir, 'bad.png'));
    expect(e.message).toMatch(/cannot decode image/);
  });

  it('names the labels line that lists a missing image', async () => {
    const dir = folder('missing', { 'here.png': '#888' });
    const labels = path.join(root, 'missing.txt');
    fs.writeFileSync(labels, 'here.png 0\ngone.png 1\n');
    const e = await slimflowErrorOf(() => countSamples({ kind: 'images', dir, labels, preprocess: 'ppocr-cls' }));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(`${labels}:2`);
    // Named by file and line, never by the line's text (issue 17: errors name, not quote).
    expect(e.message).toMatch(/names an image that is not in the data folder/);
    expect(e.message).not.toMatch(/gone/);
  });

  it('rejects an unlabeled image, a bad class index and a duplicate line', async () => {
    const dir = folder('partial', { 'p.png': '#888', 'q.png': '#111' });
    const labels = path.join(root, 'partial.txt');
    fs.writeFileSync(labels, 'p.png 0\n');
    const spec = { kind: 'images', dir, labels, preprocess: 'ppocr-cls' };
    expect((await slimflowErrorOf(() => countSamples(spec))).path).toBe(path.join(dir, 'q.png'));
    fs.writeFileSync(labels, 'p.png 0\nq.png -1\n');
    expect((await slimflowErrorOf(() => countSamples(spec))).path).toBe(`${labels}:2`);
    fs.writeFileSync(labels, 'p.png 0\np.png 1\n');
    expect((await slimflowErrorOf(() => countSamples(spec))).message).toMatch(/listed twice/);
  });
});
