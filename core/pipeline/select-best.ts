// The selectBest builtin: pure, so it runs inside the workflow without an activity round-trip.
//
// Rule: scores are in points (0–100). When the baseline and the candidate both carry the task
// metric's `score` (of the same `metric`, where named), the drop is baseline.score − score.
// Otherwise (results recorded before task scores) it is baseline.accuracy − accuracy when both
// have an accuracy, else the agreement with the teacher stands in: baseline.agreement −
// agreement, with a baseline agreement of 100 when no baseline is given. Among candidates whose
// drop ≤ tolerance (default 1 point) the one with the smallest `by` (latencyMs by default, or
// sizeBytes) wins; ties keep list order.
// If none is within tolerance, the candidate with the smallest drop wins (the most accurate).
import { SlimflowError } from '../errors';
import type { ArtifactRef, Candidate } from './types';

export interface SelectBestInput {
  candidates: Candidate[];
  baseline?: Candidate | null;
  tolerance?: number | null;
  by?: string | null;
}

export interface SelectBestOutput {
  best: Candidate;
  model: ArtifactRef;
  accuracyDrop: number;
}

const RANK_KEYS = ['latencyMs', 'sizeBytes'] as const;

/** The fields of a candidate its drop reads (the search's objective reads it too). */
export type DropFields = Pick<Candidate, 'accuracy' | 'agreement' | 'score' | 'metric'>;

/** Accuracy drop of a candidate against the baseline, in percentage points (see the rule above). */
export function accuracyDrop(c: DropFields, baseline?: DropFields | null): number {
  if (baseline && typeof c.score === 'number' && typeof baseline.score === 'number' && (c.metric === undefined || baseline.metric === undefined || c.metric === baseline.metric)) {
    return baseline.score - c.score;
  }
  if (baseline && c.accuracy !== null && baseline.accuracy !== null && baseline.accuracy !== undefined) {
    return baseline.accuracy - c.accuracy;
  }
  return (baseline?.agreement ?? 100) - c.agreement;
}

/** Pick the best candidate: fastest within tolerance, else the most accurate. */
export function selectBest(input: SelectBestInput): SelectBestOutput {
  const { candidates, baseline } = input;
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw new SlimflowError('INVALID_PIPELINE', 'selectBest got no candidates', 'candidates');
  }
  const tolerance = input.tolerance ?? 1;
  const by = (input.by ?? 'latencyMs') as (typeof RANK_KEYS)[number];
  if (!RANK_KEYS.includes(by)) {
    throw new SlimflowError('INVALID_PIPELINE', `selectBest can rank by ${RANK_KEYS.join(' or ')}, not "${by}"`, 'by');
  }
  const scored = candidates.map((c) => ({ c, drop: accuracyDrop(c, baseline) }));
  const within = scored.filter((s) => s.drop <= tolerance);
  let pick = within.length > 0 ? within[0] : scored[0];
  if (within.length > 0) {
    for (const s of within) if (s.c[by] < pick.c[by]) pick = s;
  } else {
    for (const s of scored) if (s.drop < pick.drop) pick = s;
  }
  return { best: pick.c, model: pick.c.model, accuracyDrop: pick.drop };
}
