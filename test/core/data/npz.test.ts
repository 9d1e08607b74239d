import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { countSamples, iterateBatches } from '../../../core/data/batches';
import { numberToFloat16 } from '../../../core/data/dtype';
import { writeNpy } from '../../../core/data/npy';
import { FeedInput } from '../../../core/feed';
import { Tensor } from '../../../core/tensor';
import { collect, slimflowErrorOf } from './expect-error';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-npz-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const fixtures = path.join(__dirname, 'fixtures');

/** An .npz as np.savez (stored, level 0) or np.savez_compressed (deflated) writes it: one `<name>.npy` member per array. */
function saveNpz(name: string, arrays: Record<string, Tensor>, deflate = false): string {
  const members = Object.fromEntries(Object.entries(arrays).map(([k, t]) => [`${k}.npy`, writeNpy(t)]));
  const file = path.join(root, name);
  fs.writeFileSync(file, zipSync(members, { level: deflate ? 6 : 0 }));
  return file;
}

const ids = (n: number, len: number, start = 0): Tensor => ({ dtype: 'int64', dims: [n, len], data: BigInt64Array.from({ length: n * len }, (_, i) => BigInt(start + i)) });
const mask = (n: number, len: number): Tensor => ({ dtype: 'int64', dims: [n, len], data: BigInt64Array.from({ length: n * len }, (_, i) => (i % len < 2 ? 1n : 0n)) });
const text = (len: number, dtype: FeedInput['dtype'] = 'int64'): FeedInput[] => [
  { name: 'input_ids', dtype, shape: [4, len] },
  { name: 'attention_mask', dtype, shape: [4, len] },
];

describe('npz dataset', () => {
  it('feeds every input from its array, stored and deflated, several files in order, int64 kept', async () => {
    const a = saveNpz('a.npz', { input_ids: ids(3, 4), attention_mask: mask(3, 4) });
    const b = saveNpz('b.npz', { attention_mask: mask(2, 4), input_ids: ids(2, 4, 100) }, true);
    const spec = { kind: 'npz', files: [a, b] };
    expect(await countSamples(spec, { feed: text(4) })).toBe(5);
    const batches = await collect(iterateBatches(spec, { batchSize: 4, feed: text(4) }));
    expect(batches.map((x) => x.ids)).toEqual([['a.npz[0]', 'a.npz[1]', 'a.npz[2]', 'b.npz[0]'], ['b.npz[1]']]);
    const first = batches[0].inputs.input_ids;
    expect(first.dtype).toBe('int64');
    expect(first.dims).toEqual([4, 4]);
    expect(Array.from(first.data as BigInt64Array).map(Number)).toEqual([...Array.from({ length: 12 }, (_, i) => i), 100, 101, 102, 103]);
    expect(Array.from(batches[1].inputs.attention_mask.data as BigInt64Array)).toEqual([1n, 1n, 0n, 0n]);
    expect(batches[1].inputs.input_ids.dims).toEqual([1, 4]);
  });

  it('converts int64 to a feed of int32 exactly, and refuses a value that does not fit, naming the input', async () => {
    const f = saveNpz('i32.npz', { input_ids: ids(2, 3), attention_mask: mask(2, 3) });
    const [batch] = await collect(iterateBatches({ kind: 'npz', files: [f] }, { batchSize: 2, feed: text(3, 'int32') }));
    expect(batch.inputs.input_ids.dtype).toBe('int32');
    expect(Array.from(batch.inputs.input_ids.data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5]);
    const big = ids(1, 3);
    (big.data as BigInt64Array)[2] = 2n ** 40n;
    const g = saveNpz('big.npz', { input_ids: big, attention_mask: mask(1, 3) });
    const e = await slimflowErrorOf(() => collect(iterateBatches({ kind: 'npz', files: [g] }, { batchSize: 1, feed: text(3, 'int32') })));
    expect(e.code).toBe('INVALID_DATA');
    // Named by input, sample and element of the sample, never by the value.
    expect(e.message).toMatch(/input "input_ids" takes int32.*element \[2\] is outside the int32 range/);
    expect(e.path).toBe(`${g}/big.npz[0]`);
    expect(e.message).not.toMatch(/1099511627776/);
  });

  it('keeps float16, uint8 and bool arrays as they are when the feed takes those types', async () => {
    const half = new Uint16Array([1, -2, 0.5, 65504].map(numberToFloat16));
    const f = saveNpz('types.npz', {
      h: { dtype: 'float16', dims: [2, 2], data: half },
      u: { dtype: 'uint8', dims: [2, 1], data: new Uint8Array([7, 255]) },
      b: { dtype: 'bool', dims: [2, 1], data: new Uint8Array([1, 0]) },
    });
    const feed: FeedInput[] = [
      { name: 'h', dtype: 'float16', shape: [2, 2] },
      { name: 'u', dtype: 'uint8', shape: [2, 1] },
      { name: 'b', dtype: 'bool', shape: [2, 1] },
    ];
    const [batch] = await collect(iterateBatches({ kind: 'npz', files: [f] }, { batchSize: 2, feed }));
    expect(batch.inputs.h.dtype).toBe('float16');
    expect(Array.from(batch.inputs.h.data as Uint16Array)).toEqual(Array.from(half));
    expect(batch.inputs.u).toMatchObject({ dtype: 'uint8', dims: [2, 1] });
    expect(Array.from(batch.inputs.b.data as Uint8Array)).toEqual([1, 0]);
    // The same float16 array into a float32 input: decoded exactly.
    const [asF32] = await collect(iterateBatches({ kind: 'npz', files: [f] }, { batchSize: 2, feed: [{ name: 'h', dtype: 'float32', shape: [2, 2] }] }));
    expect(Array.from(asF32.inputs.h.data as Float32Array)).toEqual([1, -2, 0.5, 65504]);
  });

  it('without a feed, yields every array under its own name with its type', async () => {
    const f = saveNpz('nofeed.npz', { input_ids: ids(2, 3), attention_mask: mask(2, 3) });
    const [batch] = await collect(iterateBatches({ kind: 'npz', files: [f] }, { batchSize: 8 }));
    expect(Object.keys(batch.inputs).sort()).toEqual(['attention_mask', 'input_ids']);
    expect(batch.inputs.input_ids.dtype).toBe('int64');
  });

  it('reads the zip64 archives NumPy writes (force_zip64), stored and deflated', async () => {
    const feed: FeedInput[] = [
      { name: 'input_ids', dtype: 'int64', shape: [2, 3] },
      { name: 'attention_mask', dtype: 'bool', shape: [2, 3] },
    ];
    for (const name of ['zip64-stored.npz', 'zip64-deflated.npz']) {
      const [batch] = await collect(iterateBatches({ kind: 'npz', files: [path.join(fixtures, name)] }, { batchSize: 2, feed }));
      expect(Array.from(batch.inputs.input_ids.data as BigInt64Array).map(Number)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(Array.from(batch.inputs.attention_mask.data as Uint8Array)).toEqual([1, 1, 0, 1, 0, 0]);
    }
  });

  it('feeds a one-input model from the only array of np.savez(f, x) (named arr_0)', async () => {
    const f = saveNpz('positional.npz', { arr_0: { dtype: 'float64', dims: [3, 2], data: Float64Array.from([1, 2, 3, 4, 5, 6]) } });
    const feed: FeedInput[] = [{ name: 'features', dtype: 'float32', shape: [3, 2] }];
    const [batch] = await collect(iterateBatches({ kind: 'npz', files: [f] }, { batchSize: 3, feed }));
    expect(batch.inputs.features).toMatchObject({ dtype: 'float32', dims: [3, 2] });
    expect(Array.from(batch.inputs.features.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    // With two arrays, neither named after the input, nothing is guessed.
    const g = saveNpz('two.npz', { arr_0: ids(1, 2), arr_1: ids(1, 2) });
    expect((await slimflowErrorOf(() => countSamples({ kind: 'npz', files: [g] }, { feed }))).message).toMatch(/no array for input "features"; it holds "arr_0", "arr_1"/);
  });

  it('names the input an archive lacks, listing what it holds', async () => {
    const f = saveNpz('lacks.npz', { input_ids: ids(2, 3), mask: mask(2, 3) });
    const e = await slimflowErrorOf(() => countSamples({ kind: 'npz', files: [f] }, { feed: text(3) }));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(f);
    expect(e.message).toMatch(/no array for input "attention_mask"; it holds "input_ids"/);
  });

  it('refuses arrays whose sample counts differ, and a sample shape other than the feed\'s', async () => {
    const f = saveNpz('uneven.npz', { input_ids: ids(3, 4), attention_mask: mask(2, 4) });
    expect((await slimflowErrorOf(() => countSamples({ kind: 'npz', files: [f] }, { feed: text(4) }))).message).toMatch(/"attention_mask" has 2 samples on axis 0, array "input_ids" has 3/);
    const g = saveNpz('long.npz', { input_ids: ids(2, 5), attention_mask: mask(2, 5) });
    const e = await slimflowErrorOf(() => collect(iterateBatches({ kind: 'npz', files: [g] }, { batchSize: 2, feed: text(4) })));
    expect(e.message).toMatch(/input "input_ids" has shape \[5\], the input's batch shape \[4, 4\] needs \[4\]/);
  });

  it('refuses a member whose unpacked size is above the cap before inflating it', async () => {
    const zeros: Tensor = { dtype: 'float32', dims: [1, 1 << 18], data: new Float32Array(1 << 18) };
    const f = saveNpz('bomb.npz', { x: zeros }, true);
    expect(fs.statSync(f).size).toBeLessThan(10_000); // 1 MiB of zeros deflates to a few KiB
    process.env.SLIMFLOW_MAX_INPUT_BYTES = String(1 << 19);
    try {
      const e = await slimflowErrorOf(() => countSamples({ kind: 'npz', files: [f] }));
      expect(e.code).toBe('INVALID_DATA');
      expect(e.path).toBe(f);
      expect(e.message).toMatch(/unpacked size .* above the limit of 524288 \(set SLIMFLOW_MAX_INPUT_BYTES/);
    } finally {
      delete process.env.SLIMFLOW_MAX_INPUT_BYTES;
    }
    expect(await countSamples({ kind: 'npz', files: [f] })).toBe(1);
  });

  it('names a file that is not a zip archive', async () => {
    const f = path.join(root, 'not.npz');
    fs.writeFileSync(f, 'root:x:0:0:root:/root:/bin/bash\n');
    const e = await slimflowErrorOf(() => countSamples({ kind: 'npz', files: [f] }));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(f);
    expect(e.message).not.toMatch(/root/);
  });
});

describe('npy per input', () => {
  const save = (dir: string, name: string, t: Tensor) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, name), writeNpy(t));
  };

  it('reads <input name>.npy for every feed input, samples on axis 0, types kept', async () => {
    const dir = path.join(root, 'per-input');
    save(dir, 'input_ids.npy', ids(3, 4));
    save(dir, 'attention_mask.npy', mask(3, 4));
    save(dir, 'notes.npy', { dtype: 'float32', dims: [1], data: new Float32Array(1) }); // not an input: ignored
    expect(await countSamples({ kind: 'npy', dir }, { feed: text(4) })).toBe(3);
    const [batch] = await collect(iterateBatches({ kind: 'npy', dir }, { batchSize: 4, feed: text(4) }));
    expect(batch.ids).toEqual(['per-input[0]', 'per-input[1]', 'per-input[2]']);
    expect(batch.inputs.input_ids).toMatchObject({ dtype: 'int64', dims: [3, 4] });
    expect(Array.from(batch.inputs.attention_mask.data as BigInt64Array).slice(0, 4)).toEqual([1n, 1n, 0n, 0n]);
  });

  it('names the inputs a per-input folder lacks', async () => {
    const dir = path.join(root, 'half');
    save(dir, 'input_ids.npy', ids(3, 4));
    const e = await slimflowErrorOf(() => countSamples({ kind: 'npy', dir }, { feed: text(4) }));
    expect(e.path).toBe(dir);
    expect(e.message).toMatch(/holds input_ids\.npy but no attention_mask\.npy for input "attention_mask"/);
  });

  it('still reads a folder of sample files for a one-input feed, of any rank, converting to its type', async () => {
    const dir = path.join(root, 'samples');
    save(dir, 'a.npy', { dtype: 'float64', dims: [2, 5], data: Float64Array.from({ length: 10 }, (_, i) => i) });
    save(dir, 'b.npy', { dtype: 'float32', dims: [5], data: new Float32Array(5).fill(9) });
    const feed: FeedInput[] = [{ name: 'features', dtype: 'float32', shape: [3, 5] }];
    expect(await countSamples({ kind: 'npy', dir }, { feed })).toBe(3);
    const [batch] = await collect(iterateBatches({ kind: 'npy', dir }, { batchSize: 3, feed }));
    expect(batch.ids).toEqual(['a.npy[0]', 'a.npy[1]', 'b.npy']);
    expect(batch.inputs.features.dims).toEqual([3, 5]);
    expect(Array.from(batch.inputs.features.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9]);
  });

  it('reads a lone <input>.npy holding one sample as one sample, not as samples on its first axis', async () => {
    const dir = path.join(root, 'lone');
    save(dir, 'x.npy', { dtype: 'float32', dims: [3, 2, 2], data: new Float32Array(12).fill(1) });
    const feed: FeedInput[] = [{ name: 'x', dtype: 'float32', shape: [8, 3, 2, 2] }];
    const [batch] = await collect(iterateBatches({ kind: 'npy', dir }, { batchSize: 8, feed }));
    expect(batch.ids).toEqual(['x.npy']);
    expect(batch.inputs.x.dims).toEqual([1, 3, 2, 2]);
  });

  it('cannot fill a second input from sample files, and says which', async () => {
    const dir = path.join(root, 'samples');
    const e = await slimflowErrorOf(() => collect(iterateBatches({ kind: 'npy', dir }, { batchSize: 1, key: 'Global.eval_data', feed: [{ name: 'features', dtype: 'float32', shape: [1, 5] }, { name: 'mask', dtype: 'bool', shape: [1, 5] }] })));
    expect(e.path).toBe('Global.eval_data');
    expect(e.message).toMatch(/one tensor per sample.*"mask", which it cannot fill/);
  });
});
