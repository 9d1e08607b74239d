import { describe, expect, it } from 'vitest';
import { convertTensor, float16ToNumber, numberToFloat16 } from '../../../core/data/dtype';
import { Tensor } from '../../../core/tensor';
import { slimflowErrorOf } from './expect-error';

const t = (dtype: Tensor['dtype'], data: Tensor['data'], dims = [data.length]): Tensor => ({ dtype, dims, data } as Tensor);
const values = (x: Tensor) => Array.from(x.data as ArrayLike<number | bigint>, Number);

describe('element type conversion', () => {
  it('encodes float16 as IEEE binary16, rounding to nearest even', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff],
      [65520, 0x7c00], // halfway to the next binade rounds to Inf
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], // subnormals, ties to even
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], // ties to even in the normal range
      [Infinity, 0x7c00], [0.1, 0x2e66],
    ];
    for (const [x, bits] of cases) expect([x, numberToFloat16(x)]).toEqual([x, bits]);
    expect(Number.isNaN(float16ToNumber(numberToFloat16(NaN)))).toBe(true);
    for (let h = 0; h < 0x7c00; h += 37) expect(numberToFloat16(float16ToNumber(h))).toBe(h);
  });

  it('converts without loss where values survive: ints to wider ints and exact floats, whole floats to ints, 0/1 to bool', () => {
    expect(values(convertTensor(t('int64', new BigInt64Array([-3n, 2n ** 40n])), 'float64', 'x'))).toEqual([-3, 2 ** 40]);
    expect(convertTensor(t('int32', new Int32Array([7, -1])), 'int64', 'x').data).toEqual(new BigInt64Array([7n, -1n]));
    expect(values(convertTensor(t('float32', new Float32Array([0, 1, 255])), 'uint8', 'x'))).toEqual([0, 1, 255]);
    expect(values(convertTensor(t('int64', new BigInt64Array([1n, 0n])), 'bool', 'x'))).toEqual([1, 0]);
    expect(values(convertTensor(t('uint8', new Uint8Array([200])), 'float16', 'x')).map(float16ToNumber)).toEqual([200]);
    // Float narrowing rounds (as an exporter's Cast does).
    expect(values(convertTensor(t('float64', new Float64Array([0.1])), 'float32', 'x'))).toEqual([Math.fround(0.1)]);
  });

  it('refuses what would lose values, naming the input and the element, not the value', async () => {
    const cases: [Tensor, Parameters<typeof convertTensor>[1], RegExp][] = [
      [t('float32', new Float32Array([1, 2.5]), [1, 2]), 'int64', /element \[0, 1\] is not a whole number/],
      [t('int64', new BigInt64Array([2n ** 31n])), 'int32', /element \[0\] is outside the int32 range/],
      [t('int32', new Int32Array([2])), 'bool', /is not 0 or 1/],
      [t('int32', new Int32Array([16777217])), 'float32', /is not exactly representable in float32/],
      [t('int32', new Int32Array([2049])), 'float16', /is not exactly representable in float16/],
      [t('float32', new Float32Array([70000])), 'float16', /overflows float16/],
      [t('int64', new BigInt64Array([2n ** 60n + 1n])), 'float64', /does not fit in float64/],
    ];
    for (const [src, to, message] of cases) {
      const e = await slimflowErrorOf(() => convertTensor(src, to, 'input_ids', 'calib.npz'));
      expect(e.code).toBe('INVALID_DATA');
      expect(e.path).toBe('calib.npz');
      expect(e.message).toMatch(/^input "input_ids" takes/);
      expect(e.message).toMatch(message);
    }
  });
});
