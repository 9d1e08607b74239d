// The selectBest builtin: pure, so it runs inside the workflow without an activity round-trip.
//
// Rule: scores are in points (0–100). When the baseline and the candidate both carry the task
// metric's `score` (of the same `metric`, where named), the drop is baseline.score − score.
// Otherwise (results recorded before task scores) it is baseline.accuracy − accuracy when both
// have an accuracy, else the agreement with the teacher stands in: baseline.agreement −
// agreement, with a baseline agreement of 100 when no baseline is given. Among candidates whose
// drop ≤ tolerance (default 1 point) the one with the smallest `by` (latencyMs by default, or
// sizeBytes) wins; ties keep list order.
// Near-ties (NEAR_TIE_RULE): when every candidate within tolerance carries the noise its
// side-by-side timing measured (compareLatency's latencyNoiseMs, the standard error of its median),
// latency decides only beyond that noise; candidates within it of the fastest are ranked by a fixed order instead, so a re-measured
// timing cannot swap two models the machine could not tell apart. Without measured noise (validation
// latencies, results recorded before it) the rule does not apply and the answer is as it was.
// If none is within tolerance, the candidate with the smallest drop wins (the most accurate).
import { SlimflowError } from '../errors';
import type { ArtifactRef, Candidate, NearTie } from './types';

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

/** The near-tie rule as reports state it. */
export const NEAR_TIE_RULE =
  'candidates within the accuracy tolerance whose side-by-side median latency is within the noise margin of the fastest '
  + '(twice the standard error of the two medians\' difference, each measured from its interleaved rounds with the machine\'s load divided out) '
  + 'are a near-tie: among them the smallest accuracy drop wins, then the smaller model, then the label';

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

type Scored = { c: Candidate; drop: number };

/** The fixed order of a near-tie: smaller drop, then smaller model, then label, then model hash (a total order). */
function tieOrder(a: Scored, b: Scored): number {
  const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return a.drop - b.drop || a.c.sizeBytes - b.c.sizeBytes || text(a.c.label, b.c.label) || text(a.c.model.sha256, b.c.model.sha256);
}

const hasNoise = (s: Scored) => typeof s.c.latencyNoiseMs === 'number' && Number.isFinite(s.c.latencyNoiseMs) && s.c.latencyNoiseMs >= 0;

/** The latency pick under the near-tie rule: whatever the input order, the same candidate and record. */
export function nearTiePick(within: Scored[]): { pick: Scored; tie: NearTie } {
  const byLatency = [...within].sort((a, b) => a.c.latencyMs - b.c.latencyMs || tieOrder(a, b));
  const fastest = byLatency[0];
  // Two standard errors of the difference of two medians (their errors combine as a root sum of squares).
  const margin = (s: Scored) => 2 * Math.hypot(fastest.c.latencyNoiseMs!, s.c.latencyNoiseMs!);
  const contenders = byLatency.filter((s) => s === fastest || s.c.latencyMs - fastest.c.latencyMs <= margin(s)).sort(tieOrder);
  const runnerUp = byLatency[1];
  const pick = contenders[0];
  return {
    pick,
    tie: {
      rule: NEAR_TIE_RULE,
      fastest: fastest.c.label,
      chosen: pick.c.label,
      ...(runnerUp ? { runnerUp: runnerUp.c.label, gapMs: runnerUp.c.latencyMs - fastest.c.latencyMs, marginMs: margin(runnerUp) } : {}),
      contenders: contenders.map((s) => s.c.label),
      decided: contenders.length > 1,
    },
  };
}

/** Pick the best candidate: fastest within tolerance (near-ties by the fixed order), else the most accurate. */
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
  if (by === 'latencyMs' && within.length > 0 && within.every(hasNoise)) {
    const { pick, tie } = nearTiePick(within);
    return { best: { ...pick.c, selection: tie }, model: pick.c.model, accuracyDrop: pick.drop };
  }
  let pick = within.length > 0 ? within[0] : scored[0];
  if (within.length > 0) {
    for (const s of within) if (s.c[by] < pick.c[by]) pick = s;
  } else {
    for (const s of scored) if (s.drop < pick.drop) pick = s;
  }
  return { best: pick.c, model: pick.c.model, accuracyDrop: pick.drop };
}
