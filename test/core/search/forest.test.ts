import { describe, expect, it } from 'vitest';
import { RandomForest } from '../../../core/search/forest';
import { expectedImprovement, normalCdf } from '../../../core/search/acquisition';
import { Prng } from '../../../core/search/prng';

describe('random forest surrogate', () => {
  it('learns a step function and is unsure only where data is missing', () => {
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i <= 20; i++) { X.push([i / 20, 0.5]); y.push(i / 20 < 0.5 ? 0 : 10); }
    const f = RandomForest.fit(X, y, { seed: 3, trees: 24 });
    expect(f.predict([0.1, 0.5]).mean).toBeLessThan(1);
    expect(f.predict([0.9, 0.5]).mean).toBeGreaterThan(9);
    // Far from the boundary every tree agrees; at the boundary bootstraps disagree.
    expect(f.predict([0.9, 0.5]).variance).toBeLessThan(f.predict([0.49, 0.5]).variance + 1e-9);
  });

  it('fits a smooth function better than the mean', () => {
    const rng = new Prng(1);
    const X = Array.from({ length: 80 }, () => [rng.next(), rng.next(), rng.next()]);
    const fn = (x: number[]) => 3 * x[0] - 2 * x[1] * x[1];
    const y = X.map(fn);
    const f = RandomForest.fit(X, y, { seed: 2 });
    const test = Array.from({ length: 50 }, () => [rng.next(), rng.next(), rng.next()]);
    const m = y.reduce((a, b) => a + b) / y.length;
    const mse = test.reduce((s, x) => s + (f.predict(x).mean - fn(x)) ** 2, 0) / test.length;
    const base = test.reduce((s, x) => s + (m - fn(x)) ** 2, 0) / test.length;
    expect(mse).toBeLessThan(base * 0.3);
  });

  it('is deterministic under a seed', () => {
    const X = [[0], [0.3], [0.6], [1], [0.2], [0.8]];
    const y = [1, 2, 0, 5, 1.5, 3];
    const a = RandomForest.fit(X, y, { seed: 7 }).predict([0.5]);
    const b = RandomForest.fit(X, y, { seed: 7 }).predict([0.5]);
    expect(a).toEqual(b);
  });

  it('rejects mismatched data', () => {
    expect(() => RandomForest.fit([[1]], [1, 2])).toThrow(/matching/);
  });
});

describe('expected improvement', () => {
  it('matches the closed form at known points', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
    expect(normalCdf(-1.96)).toBeCloseTo(0.025, 3);
    // mean = best, sd = 1: EI = φ(0) = 0.3989.
    expect(expectedImprovement(0, 1, 0)).toBeCloseTo(0.398942, 5);
    // no variance: the plain gain, never negative
    expect(expectedImprovement(2, 0, 1)).toBe(1);
    expect(expectedImprovement(0, 0, 1)).toBe(0);
  });

  it('rewards both a higher mean and more uncertainty', () => {
    expect(expectedImprovement(1, 1, 0)).toBeGreaterThan(expectedImprovement(0.5, 1, 0));
    expect(expectedImprovement(0, 4, 0.5)).toBeGreaterThan(expectedImprovement(0, 1, 0.5));
  });
});
