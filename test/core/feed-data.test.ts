import { describe, expect, it } from 'vitest';
import { float16ToNumber } from '../../core/data';
import { checkBatch, isFullBatch, syntheticFeed } from '../../core/feed-data';
import { SlimflowError } from '../../core/errors';
import type { FeedInput } from '../../core/feed';

const inputs: FeedInput[] = [
  { name: 'pixels', dtype: 'float32', shape: [2, 3] },
  { name: 'half', dtype: 'float16', shape: [2, 3] },
  { name: 'ids', dtype: 'int64', shape: [2, 3] },
  { name: 'mask', dtype: 'bool', shape: [2, 3] },
  { name: 'codes', dtype: 'uint8', shape: [2, 3] },
];

describe('feeds without data and batches checked against a feed', () => {
  it('synthesizes each input in its own type: floats 0.1, integers and booleans 1 (valid token ids and masks)', () => {
    const f = syntheticFeed(inputs);
    expect(Object.keys(f)).toEqual(inputs.map((i) => i.name));
    for (const i of inputs) expect([f[i.name].dtype, f[i.name].dims]).toEqual([i.dtype, i.shape]);
    expect(f.pixels.data[5]).toBeCloseTo(0.1, 7);
    expect(float16ToNumber((f.half.data as Uint16Array)[0])).toBeCloseTo(0.1, 3);
    expect([...(f.ids.data as BigInt64Array)]).toEqual(Array(6).fill(1n));
    expect([...(f.mask.data as Uint8Array)]).toEqual(Array(6).fill(1));
  });

  it('keeps exactly the feed inputs of a batch, and names input and dataset key when one is missing or of another type', () => {
    const full = syntheticFeed(inputs);
    const batch = { inputs: { ...full, extra: full.ids }, ids: ['a', 'b'] };
    expect(Object.keys(checkBatch(batch, inputs).inputs)).toEqual(inputs.map((i) => i.name));
    expect(isFullBatch(batch, inputs)).toBe(true);
    const missing = () => checkBatch({ inputs: { pixels: full.pixels }, ids: ['a'] }, inputs.slice(0, 3), 'Global.eval_data');
    expect(missing).toThrow(SlimflowError);
    expect(missing).toThrow(/no array for model input "half".*\(at Global\.eval_data \(input half\)\)/);
    const typed = () => checkBatch({ inputs: { ids: { ...full.pixels } }, ids: ['a'] }, [inputs[2]], 'Global.calibration_data');
    expect(typed).toThrow(/"ids" is float32, the model's input "ids" takes int64/);
  });
});
