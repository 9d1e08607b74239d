import { describe, expect, it } from 'vitest';
import { ProductLayer } from '../../../../core/quant/adaround/kernels';
import { betaAt, layerLosses, learnRounding, nearestRounding, RoundingProblem, RoundingSchedule } from '../../../../core/quant/adaround/learn-rounding';
import { ADAM, GAMMA, stepModel, ZETA } from '../../../../core/quant/adaround/step-graph';
import { encodeModel } from '../../../../core/onnx/model-io';
import { ModelSession } from '../../../../core/runtime/session';
import { gaussian } from '../calibration-fixtures';

const K = 8;
const schedule: RoundingSchedule = { iterations: 1000, regWeight: 1, betaStart: 20, betaEnd: 2, warmup: 0.2, learningRate: 0.01 };

/** H = XᵀX of n correlated input columns (mixing matrix plus a common offset), normalized to mean diagonal 1. */
function gram(seed: number, n = 200): Float32Array {
  const mix = gaussian(K * K, seed);
  const z = gaussian(n * K, seed + 1);
  const h = new Float64Array(K * K);
  for (let j = 0; j < n; j++) {
    const x = Array.from({ length: K }, (_, a) => { let s = 0.5; for (let b = 0; b < K; b++) s += mix[a * K + b] * z[j * K + b]; return s; });
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) h[a * K + b] += x[a] * x[b];
  }
  let trace = 0;
  for (let a = 0; a < K; a++) trace += h[a * K + a];
  return Float32Array.from(h, (v) => (v * K) / trace);
}

/** T one-row layers of K weights each, learned as one problem. */
function tinyLayers(t: number, seed: number): { problem: RoundingProblem; layers: ProductLayer[] } {
  const layers = Array.from({ length: t }, (_, i) => ({ h: gram(seed + 10 * i), groups: 1, rows: 1, k: K }));
  const ratio = Float64Array.from(gaussian(t * K, seed + 999), (v) => 10 * v);
  return { problem: { ratio, qmax: new Uint8Array(t * K).fill(127) }, layers };
}

/** Smallest δHδᵀ over all 2^K choices of rounding each weight down or up: the exact optimum. */
function exhaustive(ratio: ArrayLike<number>, h: Float32Array): number {
  let best = Infinity;
  const d = new Float64Array(K);
  for (let mask = 0; mask < 1 << K; mask++) {
    for (let i = 0; i < K; i++) d[i] = Math.floor(ratio[i]) + ((mask >> i) & 1) - ratio[i];
    let loss = 0;
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) loss += d[a] * h[a * K + b] * d[b];
    best = Math.min(best, loss);
  }
  return best;
}

describe('learnRounding', () => {
  it('beats nearest rounding on every tiny layer and gets close to the exhaustive optimum', async () => {
    const T = 24;
    const { problem, layers } = tinyLayers(T, 1);
    const learned = await learnRounding(problem, layers, schedule);
    const [got, near] = [await layerLosses(learned, problem, layers), await layerLosses(nearestRounding(problem), problem, layers)];
    const best = layers.map((l, i) => exhaustive(problem.ratio.subarray(i * K, (i + 1) * K), l.h));
    let optimal = 0;
    for (let i = 0; i < T; i++) {
      expect(got[i]).toBeLessThanOrEqual(near[i] + 1e-6);
      expect(got[i]).toBeGreaterThanOrEqual(best[i] - 1e-4);
      if (got[i] <= best[i] * (1 + 1e-4)) optimal++;
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    // Most of the gap between nearest rounding and the optimum is closed, and some layers hit it exactly.
    expect((sum(near) - sum(got)) / (sum(near) - sum(best))).toBeGreaterThan(0.6);
    expect(optimal).toBeGreaterThanOrEqual(T / 4);
  });

  it('only ever moves a weight to its floor or its ceiling, within ±qmax', async () => {
    const ratio = Float64Array.of(3.2, -3.7, 62.6, -63, 0.5, 12.01, -0.2, 7.99);
    const problem = { ratio, qmax: new Uint8Array(8).fill(63) };
    const q = await learnRounding(problem, [{ h: gram(5), groups: 1, rows: 1, k: K }], { ...schedule, iterations: 200 });
    for (let i = 0; i < 8; i++) {
      expect(q[i] === Math.floor(ratio[i]) || q[i] === Math.ceil(ratio[i])).toBe(true);
      expect(Math.abs(q[i])).toBeLessThanOrEqual(63);
    }
  });

  it('reports progress, and stops when the progress callback throws (a cancelled activity)', async () => {
    const { problem, layers } = tinyLayers(1, 4);
    const seen: number[] = [];
    await learnRounding(problem, layers, { ...schedule, iterations: 30, progressEveryMs: 0, onProgress: (done, total) => { expect(total).toBe(30); seen.push(done); } });
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const cancel = { ...schedule, progressEveryMs: 0, onProgress: (done: number) => { if (done === 5) throw new Error('cancelled'); } };
    await expect(learnRounding(problem, layers, cancel)).rejects.toThrow('cancelled');
  });

  it('anneals β linearly after the warm-up only', () => {
    const s = { ...schedule, iterations: 11, warmup: 0.1 };
    expect(betaAt(s, 0)).toEqual({ beta: 20, regularize: false });
    expect(betaAt(s, 1)).toEqual({ beta: 20, regularize: true });
    expect(betaAt(s, 10)).toEqual({ beta: 2, regularize: true });
    // Iterations 1…10 carry β from 20 to 2: 2 per iteration.
    expect(betaAt(s, 6).beta).toBeCloseTo(10, 10);
  });

  it('refuses layers that do not cover the problem', async () => {
    const { problem } = tinyLayers(2, 3);
    await expect(learnRounding(problem, [{ h: gram(1), groups: 1, rows: 1, k: K }], schedule)).rejects.toThrow(/16 weights, its layers hold 8/);
  });
});

describe('the step graph', () => {
  it('takes the gradient of output error plus regularizer (checked by finite differences)', async () => {
    // Two layers: a 2-row dense one and a depthwise-like one with 2 groups of 1 row.
    const layers: ProductLayer[] = [
      { h: Float32Array.from([...gram(7)]), groups: 1, rows: 2, k: K },
      { h: Float32Array.from([...gram(8), ...gram(9)]), groups: 2, rows: 1, k: K },
    ];
    const n = 4 * K;
    const ratio = Float64Array.from(gaussian(n, 11), (v) => 5 * v);
    const base = Float32Array.from(ratio, Math.floor);
    const v = Float32Array.from(gaussian(n, 12), (x) => 0.8 * x);
    const [lambda, beta] = [0.3, 3];
    // The loss in float64: Σ_layers Σ_rows δHδᵀ + λ Σ (1 − |2h − 1|^β).
    const loss = (vv: Float64Array) => {
      const h = Array.from(vv, (x) => Math.min(1, Math.max(0, (ZETA - GAMMA) / (1 + Math.exp(-x)) + GAMMA)));
      const d = h.map((hi, i) => base[i] + hi - ratio[i]);
      let total = 0;
      let offset = 0;
      for (const l of layers) {
        for (let g = 0; g < l.groups; g++) for (let r = 0; r < l.rows; r++) {
          const row = offset + (g * l.rows + r) * K;
          for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) total += d[row + a] * l.h[g * K * K + a * K + b] * d[row + b];
        }
        offset += l.groups * l.rows * K;
      }
      return total + lambda * h.reduce((s, hi) => s + 1 - Math.abs(2 * hi - 1) ** beta, 0);
    };
    const session = await ModelSession.create(encodeModel(stepModel(base, Float32Array.from(ratio), new Float32Array(n).fill(127), layers)));
    try {
      const f = (data: Float32Array) => ({ dtype: 'float32' as const, dims: [data.length], data });
      const one = (x: number) => f(Float32Array.of(x));
      const out = await session.run({ v: f(v), m: f(new Float32Array(n)), s: f(new Float32Array(n)), reg_scale: one(2 * lambda * beta), power: one(beta - 1), step_size: one(0), inv_correction2: one(1) });
      // From zero moments, one Adam step leaves m = (1 − β1)·g.
      const g = Array.from(out.m_next.data as Float32Array, (m) => m / (1 - ADAM.beta1));
      const eps = 1e-5;
      let checked = 0;
      for (let i = 0; i < n; i++) {
        const up = Float64Array.from(v);
        const down = Float64Array.from(v);
        up[i] += eps;
        down[i] -= eps;
        const numeric = (loss(up) - loss(down)) / (2 * eps);
        expect(g[i]).toBeCloseTo(numeric, 2);
        if (Math.abs(numeric) > 1e-3) checked++;
      }
      expect(checked).toBeGreaterThan(n / 2);
      // A zero step size leaves V where it was.
      expect(Array.from(out.v_next.data as Float32Array)).toEqual(Array.from(v));
    } finally {
      await session.release();
    }
  });
});
