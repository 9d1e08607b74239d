import { StreamingHistogram } from './histogram';
import { TensorRange, uint8Params } from './ranges';

/**
 * The float interval a clipping threshold T on |x| gives: the data's own extremes, cut at ±T.
 * Symmetric ranges are [-T, T] (or [-M, M] unclipped), as a symmetric quantizer needs.
 */
export function clippedRange(h: StreamingHistogram, t: number, symmetric: boolean): { min: number; max: number } {
  if (h.total === 0) return { min: 0, max: 0 };
  if (symmetric) {
    const m = Math.min(t, Math.max(Math.abs(h.min), Math.abs(h.max)));
    return { min: -m, max: m };
  }
  return { min: Math.max(h.min, -t), max: Math.min(h.max, t) };
}

/** A range record from a histogram and a chosen threshold. */
export const rangeFromThreshold = (h: StreamingHistogram, t: number, symmetric: boolean): TensorRange =>
  ({ ...clippedRange(h, t, symmetric), count: h.total });

/** Largest magnitude seen. */
export const absMaxOf = (h: StreamingHistogram): number => (h.total === 0 ? 0 : Math.max(Math.abs(h.min), Math.abs(h.max)));

export type ErrorKind = 'squared' | 'absolute';

/**
 * Expected quantization error E[f(x − dq(q(x)))] of the histogram's data under the uint8 grid the
 * emitter will use for `range` (f = square or absolute value). Values are taken as spread uniformly
 * inside their bin, and the error is integrated exactly over the grid's cells, so fine grids (a step
 * near the bin width) are not judged by bin centres alone.
 */
export function expectedError(h: StreamingHistogram, range: { min: number; max: number }, kind: ErrorKind): number {
  if (h.total === 0) return 0;
  const { scale: s, zeroPoint: zp } = uint8Params(range);
  const w = h.binWidth;
  const a0 = -h.halfRange;
  const c = h.counts;
  let sum = 0;
  for (let i = 0; i < c.length; i++) {
    if (c[i] === 0) continue;
    const a = a0 + i * w;
    const b = a + w;
    // Grid cells hit by [a, b): index k holds g_k = (k − zp)·s for x in [g_k − s/2, g_k + s/2).
    let k = clampQ(Math.round(a / s) + zp);
    const kEnd = clampQ(Math.round(b / s) + zp);
    let u = a;
    let acc = 0;
    for (; k <= kEnd; k++) {
      const g = (k - zp) * s;
      const v = k === 255 || k === kEnd ? b : Math.min(b, g + s / 2);
      if (v > u) acc += integral(u - g, v - g, kind);
      u = v;
      if (u >= b) break;
    }
    sum += (c[i] / w) * acc;
  }
  return sum / h.total;
}

const clampQ = (k: number) => (k < 0 ? 0 : k > 255 ? 255 : k);

/** ∫ f(t) dt over [p, q] for f(t) = t² or |t|. */
function integral(p: number, q: number, kind: ErrorKind): number {
  if (kind === 'squared') return (q * q * q - p * p * p) / 3;
  if (p >= 0) return (q * q - p * p) / 2;
  if (q <= 0) return (p * p - q * q) / 2;
  return (p * p + q * q) / 2;
}

/**
 * Index j in [lo, hi] minimizing cost(j): a coarse sweep of about `coarse` points, then every index
 * around the best one. Costs here are smooth in j, so this finds the sweep's optimum at a fraction of
 * the evaluations; ties go to the larger index (less clipping). Deterministic.
 */
export function argminIndex(lo: number, hi: number, cost: (j: number) => number, coarse = 64): number {
  if (hi <= lo) return hi;
  const stride = Math.max(1, Math.floor((hi - lo) / coarse));
  let best = hi;
  let bestCost = cost(hi);
  for (let j = hi - stride; j >= lo; j -= stride) {
    const e = cost(j);
    if (e < bestCost) { best = j; bestCost = e; }
  }
  const center = best;
  for (let j = Math.min(hi, center + stride - 1); j >= Math.max(lo, center - stride + 1); j--) {
    if (j === center) continue;
    const e = cost(j);
    if (e < bestCost) { best = j; bestCost = e; }
  }
  return best;
}

/**
 * Threshold candidates on |x|: bin edges j·w for j = 1 … jMax, where the last index is the data's
 * own largest magnitude (no clipping). Returns the index range and the mapping to a threshold.
 */
export function thresholdCandidates(h: StreamingHistogram): { jMax: number; threshold: (j: number) => number } {
  const m = absMaxOf(h);
  const w = h.binWidth;
  const jMax = w > 0 ? Math.max(1, Math.ceil(m / w)) : 1;
  return { jMax, threshold: (j) => (j >= jMax ? m : j * w) };
}
