import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';
import { argmaxAt, scoresOf } from './argmax';

/** Streaming top-1 accuracy of N×C class scores against integer labels, in points (0–100). */
export class AccuracyMeter {
  readonly name = 'accuracy';
  private correct = 0;
  private total = 0;

  /** Add one batch: scores N×C (argmax over C) and N class-index labels (anything else is rejected). */
  update(scores: Tensor, labels: readonly unknown[]): void {
    const v = scoresOf(scores, 'accuracy.scores');
    if (scores.dims.length !== 2) throw new SlimflowError('SHAPE_MISMATCH', `accuracy needs N×C scores, got [${scores.dims.join(', ')}]`, 'accuracy.scores');
    const [n, c] = scores.dims;
    if (labels.length !== n) throw new SlimflowError('SHAPE_MISMATCH', `${n} score rows but ${labels.length} labels`, 'accuracy.labels');
    for (let i = 0; i < n; i++) {
      const label = labels[i];
      if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= c) {
        throw new SlimflowError('INVALID_DATA', `label ${label} is outside the model's ${c} classes`, `accuracy.labels[${i}]`);
      }
      if (argmaxAt(v, i * c, c) === label) this.correct++;
    }
    this.total += n;
  }

  /** Samples seen so far. */
  get count(): number {
    return this.total;
  }

  /** Top-1 accuracy in points; NaN before any sample, so an empty eval cannot pass for 0 % or 100 %. */
  value(): number {
    return this.total === 0 ? NaN : (100 * this.correct) / this.total;
  }
}
