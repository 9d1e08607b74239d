import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countSamples, iterateBatches } from '../../../core/data/batches';
import { writeNpy } from '../../../core/data/npy';
import { Tensor } from '../../../core/tensor';
import { collect, slimflowErrorOf } from './expect-error';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-npy-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function save(dir: string, name: string, t: Tensor): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, writeNpy(t));
  return file;
}
const ramp = (n: number, start = 0) => Float32Array.from({ length: n }, (_, i) => start + i);

describe('npy dataset', () => {
  it('mixes single samples and batches, converting float64, in name order', async () => {
    const dir = path.join(root, 'ok');
    save(dir, 'a.npy', { dtype: 'float32', dims: [2, 1, 2, 2], data: ramp(8) });
    save(dir, 'b.npy', { dtype: 'float64', dims: [1, 2, 2], data: Float64Array.from(ramp(4, 100)) });
    expect(await countSamples({ kind: 'npy', dir })).toBe(3);
    const batches = await collect(iterateBatches({ kind: 'npy', dir }, { batchSize: 2 }));
    expect(batches.map((b) => b.ids)).toEqual([['a.npy[0]', 'a.npy[1]'], ['b.npy']]);
    expect(batches[0].inputs.x.dims).toEqual([2, 1, 2, 2]);
    expect(Array.from(batches[0].inputs.x.data as Float32Array)).toEqual(Array.from(ramp(8)));
    expect(batches[1].inputs.x.dtype).toBe('float32');
    expect(Array.from(batches[1].inputs.x.data as Float32Array)).toEqual([100, 101, 102, 103]);
    expect(batches[0].labels).toBeUndefined();
  });

  it('reads an explicit file list with a limit', async () => {
    const f = save(path.join(root, 'list'), 'x.npy', { dtype: 'float32', dims: [5, 3, 1, 1], data: ramp(15) });
    const batches = await collect(iterateBatches({ kind: 'npy', files: [f] }, { batchSize: 4, limit: 3 }));
    expect(batches).toHaveLength(1);
    expect(batches[0].inputs.x.dims).toEqual([3, 3, 1, 1]);
  });

  it('names the file and the first bad element on NaN or Inf', async () => {
    const data = ramp(8);
    data[5] = NaN;
    data[6] = Infinity;
    const f = save(path.join(root, 'nan'), 'n.npy', { dtype: 'float32', dims: [2, 1, 2, 2], data });
    const e = await slimflowErrorOf(() => collect(iterateBatches({ kind: 'npy', files: [f] }, { batchSize: 1 })));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(f);
    expect(e.message).toMatch(/NaN at flat index 5 \(element \[1, 0, 0, 1\]\)/);
  });

  it('rejects wrong ranks and integer arrays, naming the file', async () => {
    const dir = path.join(root, 'bad');
    const flat = save(dir, 'flat.npy', { dtype: 'float32', dims: [3, 4], data: ramp(12) });
    const e = await slimflowErrorOf(() => countSamples({ kind: 'npy', files: [flat] }));
    expect(e.path).toBe(flat);
    expect(e.message).toMatch(/C×H×W or a batch N×C×H×W, got shape \[3, 4\]/);
    const ints = save(dir, 'ints.npy', { dtype: 'int32', dims: [1, 1, 1], data: new Int32Array([3]) });
    expect((await slimflowErrorOf(() => countSamples({ kind: 'npy', files: [ints] }))).message).toMatch(/float32 or float64, got int32/);
  });

  it('refuses to stack samples of different shapes into one batch', async () => {
    const dir = path.join(root, 'mixed');
    save(dir, 'a.npy', { dtype: 'float32', dims: [1, 2, 2], data: ramp(4) });
    save(dir, 'b.npy', { dtype: 'float32', dims: [1, 2, 3], data: ramp(6) });
    const e = await slimflowErrorOf(() => collect(iterateBatches({ kind: 'npy', dir }, { batchSize: 2 })));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toMatch(/b\.npy$/);
    // One per batch is fine.
    expect(await collect(iterateBatches({ kind: 'npy', dir }, { batchSize: 1 }))).toHaveLength(2);
  });

  it('names an empty folder', async () => {
    const dir = path.join(root, 'none');
    fs.mkdirSync(dir);
    const e = await slimflowErrorOf(() => countSamples({ kind: 'npy', dir }));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(dir);
  });
});
