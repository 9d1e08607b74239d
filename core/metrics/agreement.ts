import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';
import { argmaxAt, scoresOf } from './argmax';

/** Teacher–student agreement so far, in points (0–100; cosine is 100·cos, so it may go below 0). */
export interface Agreement {
  /** Share of positions (rows of N×C, time steps of N×T×C) where both pick the same class. */
  top1: number;
  /** Mean over samples of the cosine similarity of the two flattened outputs, times 100. */
  cosine: number;
  samples: number;
  positions: number;
}

/**
 * Label-free streaming agreement between a teacher's and a student's outputs of the same shape. Top-1 is
 * taken over the last axis, so N×T×C sequence outputs (CTC recognizers) count each time step.
 */
export class AgreementMeter {
  readonly name = 'agreement';
  private agree = 0;
  private positions = 0;
  private cosineSum = 0;
  private samples = 0;

  /** Add one batch of teacher and student outputs (N×…×C, equal shapes). */
  update(teacher: Tensor, student: Tensor): void {
    const t = scoresOf(teacher, 'agreement.teacher');
    const s = scoresOf(student, 'agreement.student');
    if (teacher.dims.length !== student.dims.length || teacher.dims.some((d, i) => d !== student.dims[i])) {
      throw new SlimflowError('SHAPE_MISMATCH', `teacher output [${teacher.dims.join(', ')}] and student output [${student.dims.join(', ')}] differ`, 'agreement.student');
    }
    const c = teacher.dims[teacher.dims.length - 1];
    const n = teacher.dims[0];
    for (let off = 0; off < t.length; off += c) {
      if (argmaxAt(t, off, c) === argmaxAt(s, off, c)) this.agree++;
      this.positions++;
    }
    const per = n === 0 ? 0 : t.length / n;
    for (let i = 0; i < n; i++) this.cosineSum += cosine(t, s, i * per, per);
    this.samples += n;
  }

  /** Agreement so far; NaN figures before any sample. */
  value(): Agreement {
    return {
      top1: this.positions === 0 ? NaN : (100 * this.agree) / this.positions,
      cosine: this.samples === 0 ? NaN : (100 * this.cosineSum) / this.samples,
      samples: this.samples,
      positions: this.positions,
    };
  }
}

/**
 * Cosine similarity of two slices. Two zero vectors are identical (1); one zero vector shares no direction (0).
 * A non-finite student output counts as 0 rather than poisoning the mean with NaN.
 */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>, offset: number, n: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = offset; k < offset + n; k++) {
    dot += a[k] * b[k];
    na += a[k] * a[k];
    nb += b[k] * b[k];
  }
  if (na === 0 && nb === 0) return 1;
  if (na === 0 || nb === 0) return 0;
  const cos = dot / Math.sqrt(na * nb);
  return Number.isFinite(cos) ? Math.max(-1, Math.min(1, cos)) : 0;
}
