import { z } from 'zod';
import { StreamingHistogram } from '../histogram';
import { thresholdCandidates } from '../histogram-search';
import { calibratorParamsSchema } from './catalog';
import { histogramCalibrator, HistogramParams } from './histogram-calibrator';

type Params = HistogramParams;

/** Mass given to a P bin that Q leaves empty (folded outliers only), relative to the total. */
const FLOOR = 1e-12;

/**
 * Relative entropy KL(P‖Q) of quantizing the histogram bins [from, to) into `levels` levels. P is the
 * slice with the values left of it folded into its first bin and those right of it into its last; Q is
 * the slice *without* them, each level's mass spread evenly over its non-empty bins. The folded tails
 * are what Q lacks, so clipping too much is penalized and clipping too little costs resolution.
 * This is the plain O(bins) definition; SliceDivergence computes the same from prefix sums.
 */
export function sliceDivergence(counts: Float64Array, from: number, to: number, levels: number): number {
  let left = 0;
  for (let j = 0; j < from; j++) left += counts[j];
  let right = 0;
  for (let j = to; j < counts.length; j++) right += counts[j];
  let inside = 0;
  for (let j = from; j < to; j++) inside += counts[j];
  const pTotal = inside + left + right;
  if (pTotal === 0) return 0;
  const n = to - from;
  let kl = 0;
  for (let l = 0; l < levels; l++) {
    const a = from + Math.floor((l * n) / levels);
    const b = from + Math.floor(((l + 1) * n) / levels);
    let mass = 0;
    let filled = 0;
    for (let j = a; j < b; j++) if (counts[j] > 0) { mass += counts[j]; filled++; }
    const q = filled && inside ? mass / filled / inside : 0;
    for (let j = a; j < b; j++) {
      const pj = (counts[j] + (j === from ? left : 0) + (j === to - 1 ? right : 0)) / pTotal;
      if (pj > 0) kl += pj * Math.log(pj / (counts[j] > 0 ? q : FLOOR));
    }
  }
  return kl;
}

/** Prefix sums over histogram bins that make one slice divergence cost O(levels) instead of O(bins). */
export class SliceDivergence {
  private readonly count: Float64Array;
  private readonly filled: Float64Array;
  private readonly xlogx: Float64Array;
  private readonly total: number;

  constructor(private readonly counts: Float64Array) {
    const n = counts.length;
    this.count = new Float64Array(n + 1);
    this.filled = new Float64Array(n + 1);
    this.xlogx = new Float64Array(n + 1);
    for (let j = 0; j < n; j++) {
      const c = counts[j];
      this.count[j + 1] = this.count[j] + c;
      this.filled[j + 1] = this.filled[j] + (c > 0 ? 1 : 0);
      this.xlogx[j + 1] = this.xlogx[j] + (c > 0 ? c * Math.log(c) : 0);
    }
    this.total = this.count[n];
  }

  /** sliceDivergence(counts, from, to, levels). */
  divergence(from: number, to: number, levels: number): number {
    const pT = this.total;
    if (pT === 0) return 0;
    const { counts, count, filled, xlogx } = this;
    const inside = count[to] - count[from];
    const left = count[from];
    const right = pT - count[to];
    const logPT = Math.log(pT);
    const n = to - from;
    // Σ over non-empty bins of c·ln(c / (pT·q)), level by level; q of the first and last levels kept for the tails.
    let sum = 0;
    let qFirst = 0;
    let qLast = 0;
    for (let l = 0; l < levels; l++) {
      const a = from + Math.floor((l * n) / levels);
      const b = from + Math.floor(((l + 1) * n) / levels);
      const f = filled[b] - filled[a];
      if (f === 0 || inside === 0) continue;
      const mass = count[b] - count[a];
      const q = mass / f / inside;
      sum += xlogx[b] - xlogx[a] - mass * (logPT + Math.log(q));
      if (a === from) qFirst = q;
      if (b === to) qLast = q;
    }
    // The end bins also hold the folded tails: swap their terms for the ones with the tails added.
    const tail = (c: number, extra: number, q: number) => {
      if (extra === 0) return 0;
      if (c === 0) return extra * (Math.log(extra) - logPT - Math.log(FLOOR));
      const lq = logPT + Math.log(q);
      return (c + extra) * (Math.log(c + extra) - lq) - c * (Math.log(c) - lq);
    };
    if (n === 1) sum += tail(counts[from], left + right, qFirst);
    else sum += tail(counts[from], left, qFirst) + tail(counts[to - 1], right, qLast);
    return Math.max(0, sum) / pT;
  }
}

/**
 * Levels a slice is squeezed into: the 255 steps of the uint8 grid the emitter puts on a range.
 * TensorRT's 128 are the steps of int8 on |x|; on a signed slice they halve the resolution the
 * emitted grid has, and the divergence then favours clipping (rec: 76.5 vs 0 points with 128).
 */
const LEVELS = 255;

/**
 * TensorRT-style entropy calibration on the signed histogram, as onnxruntime's entropy calibrator does
 * it: for each threshold T from 1/16 of the histogram's range up to the largest value, the slice [-T, T]
 * is squeezed into LEVELS levels, and the T with the smallest divergence wins (ties: the larger T).
 *
 * The sign matters. Folding values onto |x| (TensorRT's histogram, exact for its symmetric int8) stacks a
 * one-sided tensor's dense negative part onto its rare large positive values: rec's HardSwish outputs are
 * 94% in [-0.375, 0], and the folded histogram drove the threshold to a tenth of the range (7.37 → 0.78).
 * The signed slice keeps 3.3.
 */
export const klCalibrator = histogramCalibrator<Params>({
  name: 'KL',
  paramsSchema: calibratorParamsSchema('KL') as unknown as z.ZodType<Params>,
  countZeros: true,
  threshold(h) {
    const { jMax, threshold } = thresholdCandidates(h);
    const b = h.binsPerSide;
    const first = Math.max(1, b / 16);
    // A range narrower than the first candidate: nothing the histogram can resolve to clip.
    if (jMax <= first) return threshold(jMax);
    // Exact zeros (ReLU's, HardSwish's) are quantized exactly: leave them out, or their spike in the bin
    // of 0 makes every wider level look lossy and drives T down (rec's SE ReLU: 14.6 → 1.5, accuracy 0).
    const d = new SliceDivergence(klCounts(h));
    const best = argminJumpy(first, jMax, (i) => d.divergence(b - i, b + i, LEVELS));
    return threshold(best);
  },
});

/**
 * Index in [lo, hi] nearly minimizing a cost that jumps as level boundaries move (neighbouring thresholds can
 * differ 2x): a sweep of about 256 points, then every index around the 8 best of them (ties: the larger
 * index). Isolated one-index dips can be missed; the result is within a few percent of the exhaustive
 * minimum on the distributions tested, at a fifteenth of its cost.
 */
/** Sweep points and how many of the best are refined: a ~15x cheaper search (rec: 135 tensors × 1900 thresholds). */
const COARSE_POINTS = 256;
const REFINED = 8;

export function argminJumpy(lo: number, hi: number, cost: (i: number) => number): number {
  const stride = Math.max(1, Math.floor((hi - lo) / COARSE_POINTS));
  const sweep: { i: number; c: number }[] = [];
  for (let i = hi; i >= lo; i -= stride) sweep.push({ i, c: cost(i) });
  // Stable sort: equal costs keep the larger index first.
  sweep.sort((x, y) => x.c - y.c);
  let best = sweep[0];
  for (const { i: center } of sweep.slice(0, REFINED)) {
    for (let i = Math.min(hi, center + stride - 1); i >= Math.max(lo, center - stride + 1); i--) {
      if (i === center) continue;
      const c = cost(i);
      if (c < best.c || (c === best.c && i > best.i)) best = { i, c };
    }
  }
  return best.i;
}

/** The counts the divergence is computed on: the histogram's, without its exact zeros. */
export function klCounts(h: StreamingHistogram): Float64Array {
  const counts = Float64Array.from(h.counts);
  counts[h.binsPerSide] -= h.zeros;
  return counts;
}

/** The divergence the calibrator minimizes for threshold bin i, by its plain definition (for tests). */
export const thresholdDivergence = (h: StreamingHistogram, i: number): number =>
  sliceDivergence(klCounts(h), h.binsPerSide - i, h.binsPerSide + i, LEVELS);
