import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countSamples, iterateBatches } from '../../../core/data/batches';
import { renderTextLine } from '../../../core/data/render/textline';
import { writeRenderedSet } from '../../../core/data/render/write-set';
import { collect } from './expect-error';

const spec = { kind: 'rendered-textlines', task: 'cls', count: 24, seed: 11 } as const;

async function hashOf(s: object, batchSize = 8): Promise<string> {
  const h = createHash('sha256');
  const labels: unknown[] = [];
  for await (const b of iterateBatches(s, { batchSize })) {
    const x = b.inputs.x.data as Float32Array;
    h.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    labels.push(...b.labels!);
  }
  // Labels hashed after all pixels, so the batch size does not change the byte stream.
  return h.update(labels.join(',')).digest('hex');
}

describe('rendered text lines', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-rendered-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('is byte-identical for the same seed, whatever the batch size, and differs for another seed', async () => {
    const a = await hashOf(spec, 8);
    expect(await hashOf(spec, 5)).toBe(a);
    expect(await hashOf({ ...spec, seed: 12 })).not.toBe(a);
  });

  it('yields N×3×48×192 batches, labels of both classes and values in [-1, 1]', async () => {
    const batches = await collect(iterateBatches(spec, { batchSize: 10, inputName: 'img' }));
    expect(batches.map((b) => b.inputs.img.dims)).toEqual([[10, 3, 48, 192], [10, 3, 48, 192], [4, 3, 48, 192]]);
    const labels = batches.flatMap((b) => b.labels!);
    expect(new Set(labels)).toEqual(new Set([0, 1]));
    expect(batches[0].ids[0]).toBe('line-0');
    const x = batches[0].inputs.img.data as Float32Array;
    expect(x.reduce((m, v) => Math.min(m, v), Infinity)).toBeGreaterThanOrEqual(-1);
    expect(x.reduce((m, v) => Math.max(m, v), -Infinity)).toBeLessThanOrEqual(1);
    expect(await countSamples(spec)).toBe(24);
    expect(await countSamples(spec, 5)).toBe(5);
  });

  it('makes a 180° sample the exact pixel reversal of the same line upright', () => {
    const style = { rotatedFraction: 0.5, noise: 4 };
    const flipped = renderTextLine(11, 3, { ...style, rotatedFraction: 1 });
    const upright = renderTextLine(11, 3, { ...style, rotatedFraction: 0 });
    expect(flipped.label).toBe(1);
    expect(upright.label).toBe(0);
    expect(flipped.text).toBe(upright.text);
    const { width: w, height: h } = upright.canvas;
    const up = upright.canvas.getContext('2d').getImageData(0, 0, w, h).data;
    const fl = flipped.canvas.getContext('2d').getImageData(0, 0, w, h).data;
    const last = (w * h - 1) * 4;
    for (const p of [0, 4 * 7, 4 * (w * 2 + 5), last]) {
      expect(Array.from(fl.subarray(p, p + 4))).toEqual(Array.from(up.subarray(last - p, last - p + 4)));
    }
  });

  it('honours limit with the same first samples as the full set', async () => {
    const full = await collect(iterateBatches(spec, { batchSize: 24 }));
    const part = await collect(iterateBatches(spec, { batchSize: 24, limit: 7 }));
    expect(part[0].ids).toHaveLength(7);
    expect(part[0].inputs.x.data).toEqual((full[0].inputs.x.data as Float32Array).subarray(0, 7 * 3 * 48 * 192));
  });

  it('gives the same tensors through written PNGs and the images kind', async () => {
    const written = writeRenderedSet(spec, tmp);
    expect(fs.readFileSync(written.labels, 'utf8').split('\n')[0]).toMatch(/^line-00\.png [01]$/);
    const fromImages = await collect(iterateBatches({ kind: 'images', dir: tmp, labels: written.labels, preprocess: 'ppocr-cls' }, { batchSize: 24 }));
    const rendered = await collect(iterateBatches(spec, { batchSize: 24 }));
    expect(fromImages[0].labels).toEqual(rendered[0].labels);
    const a = fromImages[0].inputs.x.data as Float32Array;
    const b = rendered[0].inputs.x.data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('renders 256 samples in well under 5 seconds', async () => {
    const t0 = performance.now();
    await collect(iterateBatches({ ...spec, count: 256 }, { batchSize: 64 }));
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
