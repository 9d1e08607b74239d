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
  /** Zeros seen while every value so far was zero (no range yet); they go to the bin of 0 later. */
  private pendingZeros = 0;

  constructor(readonly binsPerSide: number) {
    if (!Number.isInteger(binsPerSide) || binsPerSide < 2 || binsPerSide % 2 !== 0) {
      throw new SlimflowError('INVALID_CONFIG', `histogram bins per side must be an even integer ≥ 2, got ${binsPerSide}`, 'bins');
    }
    this.counts = new Float64Array(2 * binsPerSide);
  }

  /** Width of one bin. */
  get binWidth(): number { return this.halfRange / this.binsPerSide; }

  /** Fold a batch in; `ext` are its extremes (from scanFinite). */
  add(values: Float32Array, ext: Extremes): void {
    if (values.length === 0) return;
    this.min = Math.min(this.min, ext.min);
    this.max = Math.max(this.max, ext.max);
    this.total += values.length;
    const m = Math.max(Math.abs(ext.min), Math.abs(ext.max));
    if (m === 0 && this.halfRange === 0) { this.pendingZeros += values.length; return; }
    this.growTo(m);
    const b = this.binsPerSide;
    const last = 2 * b - 1;
    const inv = b / this.halfRange;
    const c = this.counts;
    for (let i = 0; i < values.length; i++) {
      // Index of the bin holding v: floor((v + A) / w), with +A itself in the top bin.
      const k = Math.floor(values[i] * inv) + b;
      c[k > last ? last : k]++;
    }
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
