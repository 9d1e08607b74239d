// Learned rounding of linear layers (Nagel et al., "Up or Down? Adaptive Rounding for Post-Training
// Quantization", 2020). Each weight w = s·r rounds to floor(r) + h with h a rectified sigmoid of a
// free variable V; minimize Σ_rows δ·H·δᵀ + λ·Σ (1 − |2h − 1|^β) over V with Adam while β anneals,
// then round h to 0 or 1. δ = floor(r) + h − r is the rounding error in quantization steps and H
// the layer's (normalized) Gram matrix, so the first term is the layer's output error.
import { SlimflowError } from '../../errors';
import { Tensor } from '../../tensor';
import { kernelSession, ProductLayer, productModel } from './kernels';
import { ADAM, GAMMA, stepModel, ZETA } from './step-graph';

export interface RoundingSchedule {
  iterations: number;
  /** λ, the weight of the regularizer that drives h to 0 or 1. */
  regWeight: number;
  /** β at the end of the warm-up and at the last iteration (annealed linearly). */
  betaStart: number;
  betaEnd: number;
  /** Share of the iterations before the regularizer starts. */
  warmup: number;
  learningRate: number;
  /** Called every progressEveryMs (default 1000) with the iterations done, so a long run can heartbeat (and be cancelled by throwing). */
  onProgress?: (done: number, total: number) => void;
  progressEveryMs?: number;
}

/**
 * Weights in quantization steps, r = w/s, layer after layer (each in [groups, rows, k] order, the
 * layout of its ProductLayer), and the largest integer each may take. Layers are independent and
 * Adam is per element, so learning them together gives what learning them one by one would.
 */
export interface RoundingProblem { ratio: Float64Array; qmax: Uint8Array }

/** Rounding error δ = q − r of integer choices q. */
export function roundingError(q: Int8Array | Int32Array, p: RoundingProblem): Float32Array {
  return Float32Array.from(p.ratio, (r, i) => q[i] - r);
}

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** Nearest rounding, clipped to [−qmax, qmax] (what the plain weight quantizer does). */
export const nearestRounding = (p: RoundingProblem): Int8Array => Int8Array.from(p.ratio, (r, i) => clamp(Math.round(r), -p.qmax[i], p.qmax[i]));

/** β at an iteration: flat (unused) during warm-up, then linear from betaStart to betaEnd. */
export function betaAt(s: RoundingSchedule, it: number): { beta: number; regularize: boolean } {
  const start = Math.floor(s.warmup * s.iterations);
  if (it < start) return { beta: s.betaStart, regularize: false };
  const t = s.iterations - 1 > start ? (it - start) / (s.iterations - 1 - start) : 1;
  return { beta: s.betaStart + (s.betaEnd - s.betaStart) * t, regularize: true };
}

const flat = (data: Float32Array): Tensor<'float32'> => ({ dtype: 'float32', dims: [data.length], data });
const one = (v: number): Tensor<'float32'> => ({ dtype: 'float32', dims: [1], data: Float32Array.of(v) });

function checkLayout(p: RoundingProblem, layers: ProductLayer[]): void {
  const total = layers.reduce((n, l) => n + l.groups * l.rows * l.k, 0);
  if (total !== p.ratio.length || p.qmax.length !== p.ratio.length) {
    throw new SlimflowError('SHAPE_MISMATCH', `rounding problem has ${p.ratio.length} weights, its layers hold ${total}`, 'adaround');
  }
}

/** Each layer's output error Σ_rows δ·H·δᵀ under integer choices q (in squared steps, with the normalized H). */
export async function layerLosses(q: Int8Array, p: RoundingProblem, layers: ProductLayer[], threads = 1): Promise<number[]> {
  checkLayout(p, layers);
  const delta = roundingError(q, p);
  const session = await kernelSession(productModel(layers), threads);
  try {
    let offset = 0;
    const feeds: Record<string, Tensor> = {};
    layers.forEach((l, i) => {
      const len = l.groups * l.rows * l.k;
      feeds[`d${i}`] = { dtype: 'float32', dims: [l.groups, l.rows, l.k], data: delta.slice(offset, offset + len) };
      offset += len;
    });
    const out = await session.run(feeds);
    return layers.map((_, i) => {
      const d = feeds[`d${i}`].data as Float32Array;
      const dh = out[`dh${i}`].data as Float32Array;
      let sum = 0;
      for (let j = 0; j < d.length; j++) sum += d[j] * dh[j];
      return sum;
    });
  } finally {
    await session.release();
  }
}

/** Learn the rounding of the problem's layers; returns the integer weights in the problem's order. */
export async function learnRounding(p: RoundingProblem, layers: ProductLayer[], s: RoundingSchedule, threads = 1): Promise<Int8Array> {
  checkLayout(p, layers);
  const n = p.ratio.length;
  const base = new Float32Array(n);
  let v: Float32Array = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    base[i] = Math.floor(p.ratio[i]);
    // Start where the soft weight equals the float weight: h(V) = r − floor(r).
    const frac = p.ratio[i] - base[i];
    v[i] = -Math.log((ZETA - GAMMA) / (frac - GAMMA) - 1);
  }
  const session = await kernelSession(stepModel(base, Float32Array.from(p.ratio), Float32Array.from(p.qmax), layers), threads);
  try {
    let m: Float32Array = new Float32Array(n);
    let sq: Float32Array = new Float32Array(n);
    let reported = performance.now();
    for (let it = 0; it < s.iterations; it++) {
      if (s.onProgress && performance.now() - reported >= (s.progressEveryMs ?? 1000)) {
        s.onProgress(it, s.iterations);
        reported = performance.now();
      }
      const { beta, regularize } = betaAt(s, it);
      const out = await session.run({
        v: flat(v), m: flat(m), s: flat(sq),
        reg_scale: one(regularize ? 2 * s.regWeight * beta : 0),
        power: one(beta - 1),
        step_size: one(s.learningRate / (1 - ADAM.beta1 ** (it + 1))),
        inv_correction2: one(1 / (1 - ADAM.beta2 ** (it + 1))),
      });
      v = out.v_next.data as Float32Array;
      m = out.m_next.data as Float32Array;
      sq = out.s_next.data as Float32Array;
    }
  } finally {
    await session.release();
  }
  // Hard rounding: up where the soft rounding settled at or above one half (V ≥ 0).
  return Int8Array.from(base, (b, i) => clamp(b + (v[i] >= 0 ? 1 : 0), -p.qmax[i], p.qmax[i]));
}
