import { SlimflowError } from '../errors';

/** Extremes of one batch of values. */
export interface Extremes { min: number; max: number }

/** Min and max of a batch, rejecting NaN/Inf with an input error that names the tensor. */
export function scanFinite(values: Float32Array, tensorName: string): Extremes {
  let lo = Infinity;
  let hi = -Infinity;
  // v·0 is 0 for finite v and NaN for NaN/±Inf, so one sum flags bad values within the same loop.
  let poison = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    poison += v * 0;
  }
  if (poison !== 0) {
    throw new SlimflowError('INVALID_DATA', 'calibration activation contains NaN or Inf; check the input data and preprocessing', tensorName);
  }
  return { min: lo, max: hi };
}

/** Reused per-batch counters of binInto (4 interleaved copies of 2·bins + 1 counters). */
let scratch = new Int32Array(0);

/**
 * Add the bins of `values` over [-A, A] (2·b bins, +A itself in the top bin) to `counts`; with `zeros`,
 * also return how many values are exactly 0 (branch-free: a branch mispredicts on ReLU outputs). Four
 * interleaved integer counters break the chain of increments a spike (ReLU's zeros) makes on one counter,
 * and the float counts are touched once per bin, not per value (2x faster than one Float64Array counter).
 */
function binInto(counts: Float64Array, values: Float32Array, b: number, halfRange: number, zeros: boolean, weight: number): number {
  const stride = 2 * b + 1;
  if (scratch.length < 4 * stride) scratch = new Int32Array(4 * stride);
  const c = scratch;
  c.fill(0, 0, 4 * stride);
  const inv = b / halfRange;
  const o1 = stride + b;
  const o2 = 2 * stride + b;
  const o3 = 3 * stride + b;
  const n = values.length;
  const n4 = n - (n % 4);
  let z = 0;
  // v·inv + b lies in [0, 2b], so truncation is floor (only values within 2^-40 bins below 0 round into the bin of 0).
  if (zeros) {
    for (let i = 0; i < n4; i += 4) {
      const v0 = values[i];
      const v1 = values[i + 1];
      const v2 = values[i + 2];
      const v3 = values[i + 3];
      c[(v0 * inv + b) | 0]++;
      c[(v1 * inv + o1) | 0]++;
      c[(v2 * inv + o2) | 0]++;
      c[(v3 * inv + o3) | 0]++;
      z += +(v0 === 0) + +(v1 === 0) + +(v2 === 0) + +(v3 === 0);
    }
  } else {
    for (let i = 0; i < n4; i += 4) {
      c[(values[i] * inv + b) | 0]++;
      c[(values[i + 1] * inv + o1) | 0]++;
      c[(values[i + 2] * inv + o2) | 0]++;
      c[(values[i + 3] * inv + o3) | 0]++;
    }
  }
  for (let i = n4; i < n; i++) {
    c[(values[i] * inv + b) | 0]++;
    z += +(values[i] === 0);
  }
  for (let k = 0; k < 2 * b; k++) counts[k] += weight * (c[k] + c[stride + k] + c[2 * stride + k] + c[3 * stride + k]);
  counts[2 * b - 1] += weight * (c[2 * b] + c[stride + 2 * b] + c[2 * stride + 2 * b] + c[3 * stride + 2 * b]);
  return zeros ? weight * z : 0;
}

/** Smallest histogram half-range: keeps bins of an all-zero tensor finite. */
const MIN_HALF_RANGE = 2 ** -30;

/**
 * A streamed histogram of a tensor's values over the symmetric range [-A, A], with A always a power
 * of two. When a batch exceeds A, A doubles and adjacent bin pairs merge exactly; because A depends
 * only on the largest magnitude seen, the result does not depend on batch order or batch size, and a
 * streamed histogram equals the one built from all data at once. Memory: 2·bins counts, whatever the data.
 */
export class StreamingHistogram {
  /** Counts of the 2·bins bins, from -A up to A. */
  readonly counts: Float64Array;
  /** Half-range A (0 until a value was seen). */
  halfRange = 0;
  min = Infinity;
  max = -Infinity;
  total = 0;
  /** Values exactly 0 (also counted in the bin of 0; only when constructed with countZeros): every quantizer here represents 0 exactly. */
  zeros = 0;
  /** Zeros seen while every value so far was zero (no range yet); they go to the bin of 0 later. */
  private pendingZeros = 0;

  constructor(readonly binsPerSide: number, readonly countZeros = false) {
    if (!Number.isInteger(binsPerSide) || binsPerSide < 2 || binsPerSide % 2 !== 0) {
      throw new SlimflowError('INVALID_CONFIG', `histogram bins per side must be an even integer ≥ 2, got ${binsPerSide}`, 'bins');
    }
    this.counts = new Float64Array(2 * binsPerSide);
  }

  /** Width of one bin. */
  get binWidth(): number { return this.halfRange / this.binsPerSide; }

  /**
   * Fold a batch in; `ext` are its extremes (from scanFinite). When `values` is a sample of a batch of
   * `represents` values, each sampled value counts represents/values.length times (exactly 1 for a whole batch).
   */
  add(values: Float32Array, ext: Extremes, represents = values.length): void {
    if (values.length === 0) return;
    const weight = represents / values.length;
    this.min = Math.min(this.min, ext.min);
    this.max = Math.max(this.max, ext.max);
    this.total += represents;
    const m = Math.max(Math.abs(ext.min), Math.abs(ext.max));
    if (m === 0 && this.halfRange === 0) {
      this.pendingZeros += represents;
      if (this.countZeros) this.zeros += represents;
      return;
    }
    this.growTo(m);
    this.zeros += binInto(this.counts, values, this.binsPerSide, this.halfRange, this.countZeros, weight);
  }

  /** Counts of |x| over [0, A] with binsPerSide bins (bin j covers [j·w, (j+1)·w)). */
  absCounts(): Float64Array {
    const b = this.binsPerSide;
    const out = new Float64Array(b);
    for (let j = 0; j < b; j++) out[j] = this.counts[b + j] + this.counts[b - 1 - j];
    return out;
  }

  private growTo(m: number): void {
    if (this.halfRange === 0) {
      this.halfRange = Math.max(MIN_HALF_RANGE, 2 ** Math.ceil(Math.log2(m)));
      this.counts[this.binsPerSide] += this.pendingZeros;
      this.pendingZeros = 0;
    }
    while (this.halfRange < m) this.double();
  }

  /** Double the range: old bin i lands in bin b/2 + floor(i/2), an exact merge of neighbours. */
  private double(): void {
    const b = this.binsPerSide;
    const old = Float64Array.from(this.counts);
    this.counts.fill(0);
    for (let i = 0; i < old.length; i++) if (old[i]) this.counts[(b >> 1) + (i >> 1)] += old[i];
    this.halfRange *= 2;
  }
}
