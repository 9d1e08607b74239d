import { describe, expect, it } from 'vitest';
import { gmpSparsity, magnitudeMask } from '../../../core/sparsity/unstructured';
import { twoOfFourMask } from '../../../core/sparsity/semi-structured-2of4';
import { masked, sparsityOf } from '../../../core/sparsity/masks';

describe('sparsity masks', () => {
  it('magnitude mask drops the smallest share', () => {
    const w = Float32Array.from([0.1, -5, 0.3, 2, -0.05, 1, 0.2, -3]);
    const m = magnitudeMask(w, 0.75);
    expect(sparsityOf(masked(w, m))).toBe(0.75);
    expect([...m]).toEqual([0, 1, 0, 0, 0, 0, 0, 1]);
  });
  it('GMP ramps cubically from initial to target', () => {
    const o = { target: 0.8, begin: 10, end: 110 };
    expect(gmpSparsity(0, o)).toBe(0);
    expect(gmpSparsity(60, o)).toBeCloseTo(0.8 * (1 - 0.125));
    expect(gmpSparsity(500, o)).toBe(0.8);
  });
  it('2:4 keeps two of every four along the input axis of a conv weight', () => {
    // [out 2, in 4, 1, 2]: groups run over the input channel at each (out, position).
    const w = Float32Array.from([1, 8, 2, 7, 3, 6, 4, 5, -9, 0, 0.5, 0, 0.1, 0, 3, 1]);
    const m = twoOfFourMask(w, [2, 4, 1, 2], 1)!;
    for (let o = 0; o < 2; o++) for (let k = 0; k < 2; k++) {
      const kept = [0, 1, 2, 3].filter((c) => m[(o * 4 + c) * 2 + k] === 1).length;
      expect(kept).toBe(2);
    }
    expect([...m.slice(0, 8)]).toEqual([0, 1, 0, 1, 1, 0, 1, 0]);
    expect(twoOfFourMask(new Float32Array(6), [2, 3], 1)).toBeUndefined();
  });
});
