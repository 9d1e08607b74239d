// Generic: any float output compared with the teacher's, by one of three measures chosen by `measure`:
//   cosine — mean over samples of the cosine of the flattened outputs, ×100;
//   rel_l2 — relative L2 error over the whole set, r = ‖s − t‖ / ‖t‖, as 100·max(0, 1 − r);
//   snr    — signal-to-noise ratio over the whole set, SNR = 10·log10(‖t‖² / ‖s − t‖²) dB, as
//            100·max(0, 1 − 10^(−SNR/10)): the share of the teacher's signal power not lost to error
//            (10 dB → 90, 20 dB → 99, 30 dB → 99.9; 0 dB or worse → 0).
// All three are reported; the chosen one is the score.
import { z } from 'zod';
import { Tensor } from '../../tensor';
import { cosine } from '../agreement';
import { defineTask, LabelTally, outputPair, TaskMeter, TaskResult } from './types';

const params = z.strictObject({
  measure: z.enum(['cosine', 'rel_l2', 'snr']).default('cosine'),
});

const METRIC: Record<z.output<typeof params>['measure'], string> = {
  cosine: 'mean cosine to the teacher ×100',
  rel_l2: '100·(1 − relative L2 error to the teacher)',
  snr: 'SNR to the teacher as 100·(1 − 10^(−dB/10))',
};

class GenericMeter implements TaskMeter {
  readonly task = 'generic';
  private readonly tally = new LabelTally();
  private cosineSum = 0;
  private samples = 0;
  private signal = 0;
  private error = 0;

  constructor(private readonly p: z.output<typeof params>) {}

  update(student: Tensor, teacher: Tensor, labels?: readonly unknown[]): void {
    const { s, t } = outputPair(this.task, student, teacher, 1);
    this.tally.see(labels);
    const n = student.dims[0];
    const per = n === 0 ? 0 : t.length / n;
    for (let i = 0; i < n; i++) this.cosineSum += cosine(t, s, i * per, per);
    for (let k = 0; k < t.length; k++) {
      const d = s[k] - t[k];
      this.signal += t[k] * t[k];
      // A non-finite student value is an unbounded error, never a NaN that compares as nothing.
      this.error += Number.isFinite(d) ? d * d : Infinity;
    }
    this.samples += n;
  }

  result(): TaskResult {
    this.tally.requireSome(this.task);
    // An all-zero teacher: no error is exact (r = 0), any error is total (r = ∞).
    const relL2 = this.error === 0 ? 0 : this.signal === 0 ? Infinity : Math.sqrt(this.error / this.signal);
    const snrDb = -20 * Math.log10(relL2);
    const points = {
      cosine: this.samples === 0 ? NaN : (100 * this.cosineSum) / this.samples,
      rel_l2: 100 * Math.max(0, 1 - relL2),
      snr: 100 * Math.max(0, 1 - relL2 * relL2),
    };
    const details = { cosine: points.cosine, relL2, snrDb, samples: this.samples };
    return { score: points[this.p.measure], metric: METRIC[this.p.measure], labeled: false, details };
  }
}

export const genericTask = defineTask({
  name: 'generic',
  description: 'any float output against the teacher\'s: mean cosine (default), relative L2 or SNR, chosen by `measure`',
  params,
  create: (p) => new GenericMeter(p),
});
