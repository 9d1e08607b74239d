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
 * Cumulative moments M_k(x) = ∫ tᵏ ρ(t) dt from -A to x (k = 0, 1, 2) of a histogram's density ρ, taken
 * as uniform inside each bin. Prefix sums at the bin edges make each point O(1), so an error integral
 * costs O(grid cells) instead of O(bins).
 */
class CumulativeMoments {
  private readonly p0: Float64Array;
  private readonly p1: Float64Array;
  private readonly p2: Float64Array;
  private readonly a0: number;
  private readonly w: number;
  /** Moments at the last point passed to `at`. */
  m0 = 0;
  m1 = 0;
  m2 = 0;

  constructor(private readonly h: StreamingHistogram) {
    const n = h.counts.length;
    this.a0 = -h.halfRange;
    this.w = h.binWidth;
    this.p0 = new Float64Array(n + 1);
    this.p1 = new Float64Array(n + 1);
    this.p2 = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const c = h.counts[i];
      const e = this.a0 + i * this.w;
      const f = e + this.w;
      this.p0[i + 1] = this.p0[i] + c;
      this.p1[i + 1] = this.p1[i] + (c * (e + f)) / 2;
      this.p2[i + 1] = this.p2[i] + (c * (e * e + e * f + f * f)) / 3;
    }
  }

  at(x: number): void {
    const n = this.h.counts.length;
    const i = Math.floor((x - this.a0) / this.w);
    if (i < 0) { this.m0 = 0; this.m1 = 0; this.m2 = 0; return; }
    if (i >= n) { this.m0 = this.p0[n]; this.m1 = this.p1[n]; this.m2 = this.p2[n]; return; }
    const e = this.a0 + i * this.w;
    const d = this.h.counts[i] / this.w;
    this.m0 = this.p0[i] + d * (x - e);
    this.m1 = this.p1[i] + (d * (x * x - e * e)) / 2;
    this.m2 = this.p2[i] + (d * (x * x * x - e * e * e)) / 3;
  }
}

/**
 * Expected quantization errors of one histogram's data under candidate uint8 grids: E[f(x − dq(q(x)))]
 * for the grid the emitter will use for a range (f = square or absolute value). Values are taken as
 * spread uniformly inside their bin and the error is integrated exactly over the grid's cells, so fine
 * grids (a step near the bin width) are not judged by bin centres alone.
 */
export class ErrorModel {
  private readonly m: CumulativeMoments;

  constructor(private readonly h: StreamingHistogram) {
    this.m = new CumulativeMoments(h);
  }

  expected(range: { min: number; max: number }, kind: ErrorKind): number {
    const h = this.h;
    if (h.total === 0) return 0;
    const { scale: s, zeroPoint: zp } = uint8Params(range);
    const m = this.m;
    // Only the cells the data reaches: cell k holds g_k = (k − zp)·s for x in [g_k − s/2, g_k + s/2), cells 0 and 255 reach ±∞.
    const kLo = clampQ(Math.round(h.min / s) + zp);
    const kHi = clampQ(Math.round(h.max / s) + zp);
    m.at(kLo === 0 ? -Infinity : (kLo - zp - 0.5) * s);
    let lo0 = m.m0;
    let lo1 = m.m1;
    let lo2 = m.m2;
    let sum = 0;
    for (let k = kLo; k <= kHi; k++) {
      const g = (k - zp) * s;
      m.at(k === 255 ? Infinity : g + s / 2);
      const hi0 = m.m0;
      const hi1 = m.m1;
      const hi2 = m.m2;
      if (kind === 'squared') {
        sum += hi2 - lo2 - 2 * g * (hi1 - lo1) + g * g * (hi0 - lo0);
      } else {
        // |x − g| splits at g: g·mass − first moment below it, the reverse above it.
        m.at(g);
        sum += g * (m.m0 - lo0) - (m.m1 - lo1) + (hi1 - m.m1) - g * (hi0 - m.m0);
      }
      lo0 = hi0;
      lo1 = hi1;
      lo2 = hi2;
    }
    // Rounding can leave a hair below zero where the error vanishes.
    return Math.max(0, sum) / h.total;
  }
}

/** Expected quantization error of the histogram's data under the uint8 grid for `range` (see ErrorModel). */
export const expectedError = (h: StreamingHistogram, range: { min: number; max: number }, kind: ErrorKind): number =>
  new ErrorModel(h).expected(range, kind);

const clampQ = (k: number) => (k < 0 ? 0 : k > 255 ? 255 : k);

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
