// ACT's "tester": before a full PTQ search, the base trial alone. Its drop against the baseline
// decides whether the search is worth it.
import { objectiveOf, ObjectiveOptions, ScoredCandidate } from './objective';

/** Why to stop after the tester (target met, or too far for PTQ), or undefined to go on searching. */
export function testerVerdict(c: ScoredCandidate, opts: ObjectiveOptions, closeDrop: number): string | undefined {
  const o = objectiveOf(c, opts);
  if (o.feasible) return 'tester met the target';
  if (o.drop > closeDrop) return `tester far from the target (drop ${o.drop.toFixed(2)} > ${closeDrop} points): only QAT/distillation could reach it`;
  return undefined;
}
