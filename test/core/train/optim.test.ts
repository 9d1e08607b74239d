import { describe, expect, it } from 'vitest';
import { makeOptimizer } from '../../../core/train/optim';
import { learningRate } from '../../../core/train/schedule';
import { clipGlobalNorm } from '../../../core/train/clip';
import { epochOrder } from '../../../core/train/data-order';

/** Minimise Σ (w − t)² from zero. */
function fit(name: 'sgd' | 'adam' | 'adamw', lr: number, steps: number): Float32Array {
  const target = Float32Array.from([1, -2, 0.5]);
  const params = { w: new Float32Array(3) };
  const opt = makeOptimizer({ name });
  const state = opt.init(params);
  for (let s = 0; s < steps; s++) opt.update(params, { w: params.w.map((v, i) => 2 * (v - target[i])) }, state, lr);
  return params.w;
}

describe('optimizers, schedules, clipping, data order', () => {
  it('SGD with momentum converges on a quadratic', () => {
    const w = fit('sgd', 0.05, 200);
    expect(Math.abs(w[1] + 2)).toBeLessThan(1e-3);
  });
  it('Adam converges; AdamW decays weights toward zero', () => {
    expect(Math.abs(fit('adam', 0.05, 600)[0] - 1)).toBeLessThan(1e-2);
    expect(fit('adamw', 0.05, 600)[0]).toBeLessThan(1);
  });
  it('cosine warms up, peaks and decays to minLr; piecewise switches at boundaries', () => {
    const c = { kind: 'cosine' as const, lr: 1, totalSteps: 110, warmupSteps: 10, minLr: 0.1 };
    expect(learningRate(c, 0)).toBeCloseTo(0.1);
    expect(learningRate(c, 10)).toBeCloseTo(1);
    expect(learningRate(c, 110)).toBeCloseTo(0.1);
    const p = { kind: 'piecewise' as const, boundaries: [5, 10], values: [1, 0.1, 0.01] };
    expect([0, 5, 9, 10, 50].map((s) => learningRate(p, s))).toEqual([1, 0.1, 0.1, 0.01, 0.01]);
  });
  it('clips the global norm', () => {
    const g = { a: Float32Array.from([3]), b: Float32Array.from([4]) };
    expect(clipGlobalNorm(g, 1)).toBeCloseTo(5);
    expect(g.a[0]).toBeCloseTo(0.6);
  });
  it('data order is a seeded permutation that differs per epoch', () => {
    const a = epochOrder(50, 3, 0);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochOrder(50, 3, 0)).toEqual(a);
    expect(epochOrder(50, 3, 1)).not.toEqual(a);
  });
});
