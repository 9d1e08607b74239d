// Earth mover's distance between teacher and student outputs: ACT's label-free PTQ objective. Each
// batch's outputs are flattened and standardized (zero mean, unit deviation), then compared as 1-D
// value distributions; the meter reports the mean over batches. Lower is closer to the teacher.
import { z } from 'zod';
import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';
import { scoresOf } from './argmax';

/**
 * 1-D earth mover's (Wasserstein-1) distance between the empirical distributions of two samples:
 * the area between their CDFs. Sizes may differ; NaNs are refused by the caller's data checks.
 */
export function emd1d(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length === 0 || b.length === 0) throw new SlimflowError('INVALID_DATA', 'EMD of an empty sample', 'emd');
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  // Walk both sorted samples; between consecutive breakpoints the CDFs are constant.
  let i = 0, j = 0, area = 0;
  let prev = Math.min(x[0], y[0]);
  while (i < x.length || j < y.length) {
    const next = j >= y.length || (i < x.length && x[i] <= y[j]) ? x[i] : y[j];
    area += Math.abs(i / x.length - j / y.length) * (next - prev);
    prev = next;
    while (i < x.length && x[i] === next) i++;
    while (j < y.length && y[j] === next) j++;
  }
  return area;
}

/** Values shifted to zero mean and scaled to unit standard deviation (a constant sample becomes all zeros). */
export function standardize(v: ArrayLike<number>): Float64Array {
  let mean = 0;
  for (let k = 0; k < v.length; k++) mean += v[k];
  mean /= v.length || 1;
  let sq = 0;
  for (let k = 0; k < v.length; k++) sq += (v[k] - mean) ** 2;
  const sd = Math.sqrt(sq / (v.length || 1));
  return Float64Array.from(v, (x) => (sd > 0 ? (x - mean) / sd : 0));
}

export const emdParams = z.strictObject({
  /** Standardize each batch's outputs first (ACT does): the distance then ignores a global shift and scale. */
  standardize: z.boolean().default(true),
});

/** Streaming EMD between teacher and student outputs, batch by batch. */
export class EmdMeter {
  readonly name = 'emd';
  private sum = 0;
  private batches = 0;

  constructor(private readonly params: z.output<typeof emdParams> = { standardize: true }) {}

  /** Add one batch of teacher and student outputs (equal shapes). */
  update(teacher: Tensor, student: Tensor): void {
    const t = scoresOf(teacher, 'emd.teacher');
    const s = scoresOf(student, 'emd.student');
    if (t.length !== s.length) throw new SlimflowError('SHAPE_MISMATCH', `teacher output has ${t.length} values, student output ${s.length}`, 'emd.student');
    // A non-finite student value would make the mean NaN. Standardized samples are at most 2 apart
    // (E|X| + E|Y| <= 1 + 1), so such a batch counts as that farthest distance.
    if (!s.every(Number.isFinite)) {
      this.sum += this.params.standardize ? 2 : Infinity;
    } else {
      this.sum += this.params.standardize ? emd1d(standardize(t), standardize(s)) : emd1d(t, s);
    }
    this.batches++;
  }

  /** Mean EMD over the batches so far (in standard deviations when standardized); NaN before any batch. */
  value(): number {
    return this.batches === 0 ? NaN : this.sum / this.batches;
  }
}

/** The registry entry: EMD as a label-free teacher metric (lower is better). */
export const emdMetric = {
  name: 'emd',
  description: "earth mover's distance of standardized teacher and student outputs, mean over batches (ACT's PTQ objective)",
  lowerIsBetter: true,
  params: emdParams,
  create: (params: unknown = {}) => new EmdMeter(emdParams.parse(params)),
};
