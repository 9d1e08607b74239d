// The PP-OCR tasks' rule, kept as it was: the task's own metric of the student against labels when the
// whole set is labeled, else top-1 agreement with the teacher over the output's last axis (AgreementMeter,
// the figure candidates have always carried as `agreement`).
import { Tensor } from '../../tensor';
import { AgreementMeter } from '../agreement';
import { batchLabels, LabelTally, TaskMeter, TaskResult } from './types';

/** A labeled metric as the OCR meters are: fed the student's output with labels, read in points. */
export interface LabeledMeter {
  update(output: Tensor, labels: readonly unknown[]): void;
  value(): number;
  details(): Record<string, number>;
}

export function labeledOrAgreement(task: string, labeledMetric: string, meter: LabeledMeter): TaskMeter {
  const tally = new LabelTally();
  const agreement = new AgreementMeter();
  return {
    task,
    update(student: Tensor, teacher: Tensor, labels?: readonly unknown[]) {
      agreement.update(teacher, student);
      const lab = batchLabels(task, labels, student.dims[0]);
      tally.see(lab);
      if (lab) meter.update(student, lab);
    },
    result(): TaskResult {
      tally.requireSome(task);
      const a = agreement.value();
      const details = { top1Agreement: a.top1, cosine: a.cosine, samples: a.samples };
      if (tally.labeled) return { score: meter.value(), metric: labeledMetric, labeled: true, details: { ...meter.details(), ...details } };
      return { score: a.top1, metric: 'top-1 agreement with the teacher', labeled: false, details };
    },
  };
}
