// Whether a finished job may become a model's `latest`: pure, so tests pin it down exactly.
import type { JobReport } from '../report/report';
import type { Acceptance } from './manifest';

/** Thresholds with defaults filled in from the job config: drop from its deploy section, speedup 1x. */
export function resolveAcceptance(a: Acceptance | undefined, deployMaxDrop: number): Required<Acceptance> {
  return { max_accuracy_drop: a?.max_accuracy_drop ?? deployMaxDrop, min_speedup: a?.min_speedup ?? 1 };
}

/** Check a report against thresholds; `missed` names each threshold missed with the measured value. */
export function checkAcceptance(r: Pick<JobReport, 'accuracyDrop' | 'speedup' | 'best'>, a: Required<Acceptance>): { passed: boolean; missed: string[] } {
  const missed: string[] = [];
  // Without labels the only accuracy signal is agreement with the FP32 teacher.
  const drop = r.accuracyDrop ?? 100 - r.best.agreement;
  const what = r.accuracyDrop == null ? 'teacher-agreement loss' : 'accuracy drop';
  if (drop > a.max_accuracy_drop) missed.push(`${what} ${drop.toFixed(2)} points > max_accuracy_drop ${a.max_accuracy_drop}`);
  if (r.speedup < a.min_speedup) missed.push(`speedup ${r.speedup.toFixed(2)}x < min_speedup ${a.min_speedup}`);
  return { passed: missed.length === 0, missed };
}
