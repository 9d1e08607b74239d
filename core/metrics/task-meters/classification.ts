// Classification: top-1 accuracy against labels, top-1 agreement with the teacher without them.
// Companions: top-5 agreement (the teacher's class among the student's five best) and the mean
// KL(teacher ‖ student) of the two class distributions.
import { z } from 'zod';
import { SlimflowError } from '../../errors';
import { Tensor } from '../../tensor';
import { argmaxAt } from '../argmax';
import { batchLabels, defineTask, LabelTally, outputPair, TaskMeter, TaskResult } from './types';

const params = z.strictObject({
  /** What the output holds: raw logits (softmax taken here), probabilities already, or decided from the teacher's first batch. */
  outputs: z.enum(['auto', 'logits', 'probabilities']).default('auto'),
});

/** Rank of class `k` in row `off..off+c` of `v` (0 = best; ties go to the lower index, as in argmaxAt). */
function rankOf(v: ArrayLike<number>, off: number, c: number, k: number): number {
  const x = v[off + k];
  let rank = 0;
  for (let j = 0; j < c; j++) if (v[off + j] > x || (v[off + j] === x && j < k)) rank++;
  return rank;
}

/** Log-probabilities of one row: log-softmax of logits, or the log of given probabilities (floored so log 0 stays finite). */
function logProbs(v: ArrayLike<number>, off: number, c: number, probabilities: boolean): Float64Array {
  const out = new Float64Array(c);
  if (probabilities) {
    for (let k = 0; k < c; k++) out[k] = Math.log(Math.max(v[off + k], 1e-12));
    return out;
  }
  let max = -Infinity;
  for (let k = 0; k < c; k++) max = Math.max(max, v[off + k]);
  let sum = 0;
  for (let k = 0; k < c; k++) sum += Math.exp(v[off + k] - max);
  const lse = max + Math.log(sum);
  for (let k = 0; k < c; k++) out[k] = v[off + k] - lse;
  return out;
}

/** True when every row is a probability vector (values in [0, 1] summing to 1). */
function looksLikeProbabilities(v: ArrayLike<number>, n: number, c: number): boolean {
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const x = v[i * c + k];
      if (!(x >= 0 && x <= 1)) return false;
      sum += x;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

/** N×C (or N×C×1×1) class scores; anything else is not a classifier's output. */
function classShape(t: Tensor): [number, number] {
  const [n, c, ...rest] = t.dims;
  if (t.dims.length < 2 || rest.some((d) => d !== 1)) {
    throw new SlimflowError('SHAPE_MISMATCH', `classification needs N×C class scores, got [${t.dims.join(', ')}]; for other outputs use task generic`, 'classification.student');
  }
  return [n, c];
}

class ClassificationMeter implements TaskMeter {
  readonly task = 'classification';
  private readonly tally = new LabelTally();
  private samples = 0;
  private top1 = 0;
  private top5 = 0;
  private kl = 0;
  private correct = 0;
  private correct5 = 0;
  private probabilities: boolean | undefined;

  constructor(private readonly p: z.output<typeof params>) {
    if (p.outputs !== 'auto') this.probabilities = p.outputs === 'probabilities';
  }

  update(student: Tensor, teacher: Tensor, labels?: readonly unknown[]): void {
    const { s, t } = outputPair(this.task, student, teacher, 2);
    const [n, c] = classShape(student);
    const lab = batchLabels(this.task, labels, n);
    this.tally.see(lab);
    this.probabilities ??= looksLikeProbabilities(t, n, c);
    for (let i = 0; i < n; i++) {
      const off = i * c;
      const tTop = argmaxAt(t, off, c);
      if (argmaxAt(s, off, c) === tTop) this.top1++;
      if (rankOf(s, off, c, tTop) < 5) this.top5++;
      const lt = logProbs(t, off, c, this.probabilities);
      const ls = logProbs(s, off, c, this.probabilities);
      let kl = 0;
      for (let k = 0; k < c; k++) if (lt[k] > -Infinity) kl += Math.exp(lt[k]) * (lt[k] - ls[k]);
      this.kl += kl;
      if (lab) {
        const label = lab[i];
        if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= c) {
          throw new SlimflowError('INVALID_DATA', `label ${String(label)} is outside the model's ${c} classes`, `classification.labels[${i}]`);
        }
        if (argmaxAt(s, off, c) === label) this.correct++;
        if (rankOf(s, off, c, label) < 5) this.correct5++;
      }
    }
    this.samples += n;
  }

  result(): TaskResult {
    this.tally.requireSome(this.task);
    const pts = (k: number) => (this.samples === 0 ? NaN : (100 * k) / this.samples);
    const details: Record<string, number> = {
      top1Agreement: pts(this.top1),
      top5Agreement: pts(this.top5),
      klDivergence: this.samples === 0 ? NaN : this.kl / this.samples,
      samples: this.samples,
    };
    if (this.tally.labeled) {
      details.accuracy = pts(this.correct);
      details.top5Accuracy = pts(this.correct5);
      return { score: details.accuracy, metric: 'top-1 accuracy', labeled: true, details };
    }
    return { score: details.top1Agreement, metric: 'top-1 agreement with the teacher', labeled: false, details };
  }
}

export const classificationTask = defineTask({
  name: 'classification',
  description: 'N×C class scores: top-1 accuracy with labels, top-1 agreement with the teacher without; top-5 agreement and KL(teacher‖student) beside',
  params,
  create: (p) => new ClassificationMeter(p),
});
