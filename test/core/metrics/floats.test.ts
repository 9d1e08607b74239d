import { describe, expect, it } from 'vitest';
import { floatsOf } from '../../../core/metrics/floats';

describe('floatsOf', () => {
  it('decodes float16 bit patterns (normal, negative, subnormal, infinite)', () => {
    const half = { dtype: 'float16' as const, dims: [1, 5], data: Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x0001, 0x7c00]) };
    expect([...floatsOf(half, 'out')]).toEqual([1, -2, 0.5, 2 ** -24, Infinity]);
  });

  it('passes float32 through and refuses integers and too few axes by name', () => {
    const f = { dtype: 'float32' as const, dims: [2], data: Float32Array.from([1, 2]) };
    expect(floatsOf(f, 'out')).toBe(f.data);
    expect(() => floatsOf(f, 'detection.student', 3)).toThrow(/at least 3 axes/);
    expect(() => floatsOf({ dtype: 'int64', dims: [1], data: BigInt64Array.from([1n]) }, 'out')).toThrow(/float outputs, got int64/);
  });
});
