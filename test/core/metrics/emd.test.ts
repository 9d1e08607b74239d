import { describe, expect, it } from 'vitest';
import { emd1d, EmdMeter, standardize } from '../../../core/metrics/emd';
import { createTeacherMetric } from '../../../core/metrics/teacher-metrics';

const t = (dims: number[], values: ArrayLike<number>) => ({ dtype: 'float32' as const, dims, data: Float32Array.from(values) });

describe("earth mover's distance", () => {
  it('of a distribution and its shift is the shift (closed form)', () => {
    const a = [0.3, -1.2, 2.5, 0.7, 0.1, -0.4];
    expect(emd1d(a, a.map((v) => v + 0.75))).toBeCloseTo(0.75, 12);
    expect(emd1d(a.map((v) => v - 2), a)).toBeCloseTo(2, 12);
  });

  it('between point masses is their distance, and handles unequal sample sizes', () => {
    expect(emd1d([1], [4])).toBeCloseTo(3, 12);
    // Half the mass moves from 0 to 1: 0.5. Sizes 2 and 4 with the same halves: 0.
    expect(emd1d([0, 0], [0, 1])).toBeCloseTo(0.5, 12);
    expect(emd1d([0, 1], [0, 0, 1, 1])).toBeCloseTo(0, 12);
    // Uniform on {0, 1, 2} vs a point at 1: |0-1|/3 + 0 + |2-1|/3.
    expect(emd1d([0, 1, 2], [1])).toBeCloseTo(2 / 3, 12);
  });

  it('is symmetric and zero only for equal samples', () => {
    const a = [5, 1, 3], b = [2, 2, 9];
    expect(emd1d(a, b)).toBeCloseTo(emd1d(b, a), 12);
    expect(emd1d(a, [3, 5, 1])).toBe(0);
    expect(emd1d(a, b)).toBeGreaterThan(0);
  });

  it('standardized, ignores a global shift and scale but not a change of shape', () => {
    const m = new EmdMeter();
    const teacher = [0.1, 0.9, 0.4, 0.6, 0.2, 0.8];
    m.update(t([3, 2], teacher), t([3, 2], teacher.map((v) => 3 * v - 1)));
    expect(m.value()).toBeCloseTo(0, 6);
    const sd = standardize([1, 2, 3, 4]);
    expect(sd.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 12);
    expect(sd.reduce((s, v) => s + v * v, 0) / 4).toBeCloseTo(1, 12);
    const far = new EmdMeter();
    far.update(t([3, 2], teacher), t([3, 2], [0, 0, 0, 0, 0, 1]));
    expect(far.value()).toBeGreaterThan(0.3);
  });

  it('averages over batches, counts a non-finite student as the farthest standardized distance, and is in the registry', () => {
    const m = createTeacherMetric('emd');
    m.update(t([1, 2], [0, 1]), t([1, 2], [0, 1]));
    m.update(t([1, 2], [0, 1]), t([1, 2], [NaN, 1]));
    expect(m.value()).toBeCloseTo(1, 12);
    expect(() => createTeacherMetric('wasserstein')).toThrow(/known: emd/);
  });
});
