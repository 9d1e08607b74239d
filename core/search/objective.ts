// What the search maximises, from a validated candidate. With labels: the task metric; without:
// a label-free closeness to the teacher chosen by HyperParameterOptimization.objective — top-1
// agreement (default), cosine similarity, or ACT's earth mover's distance of standardized outputs
// (as 100·(1 − EMD), so 100 is the teacher itself). All are in points; with agreement or a task
// metric, cosine similarity (×100) breaks ties by at most 0.1 point: many PTQ configurations reach
// the same accuracy on a modest eval set, and the one closer to the teacher is the safer pick.
// Constraints: the accuracy-drop tolerance flags a trial infeasible; a latency target, when set,
// also penalises the value in proportion to the overshoot so the surrogate learns to avoid it.
// With taskScore (searches since the search-task-metric patch), a candidate's task metric `score`
// (box F1, mean cosine of embeddings, top-1…) is what it is scored and accepted by, with selectBest's
// own drop rule; `objective: cosine | emd` still replaces the value the surrogate maximises.
import { accuracyDrop } from '../pipeline/select-best';

/** The fields of a candidate the objective reads. */
export interface ScoredCandidate {
  accuracy: number | null;
  agreement: number;
  cosine: number;
  emd?: number;
  /** The task metric that decides acceptance, in points; absent in results recorded before task metrics. */
  score?: number;
  metric?: string;
  latencyMs: number;
}

/** The label-free objectives (HyperParameterOptimization.objective). */
export type LabelFreeObjective = 'agreement' | 'cosine' | 'emd';

export interface ObjectiveOptions {
  baseline?: ScoredCandidate | null;
  /** Largest accepted accuracy drop in points (default 1). */
  tolerance?: number;
  /** Latency the candidate must not exceed (from the predictor, else measured); absent: no constraint. */
  latencyTargetMs?: number;
  /** What to maximise when the candidate has no labels (default agreement: with taskScore, the task metric). */
  objective?: LabelFreeObjective;
  /** Score and accept by the candidate's task metric when it has one (the search-task-metric patch). */
  taskScore?: boolean;
}

export interface ObjectiveValue {
  /** The task metric (or agreement) in points: what reports and benchmarks compare. */
  score: number;
  /** What the surrogate maximises: score with the cosine tie-break and any latency penalty. */
  value: number;
  drop: number;
  feasible: boolean;
}

const COSINE_WEIGHT = 1e-3;
const LATENCY_PENALTY = 100;

/** The primary metric of a candidate in points: accuracy when labeled, else agreement with the teacher. */
export const primaryScore = (c: ScoredCandidate): number => c.accuracy ?? c.agreement;

/** Score, surrogate value, drop against the baseline and feasibility of one candidate. */
export function objectiveOf(c: ScoredCandidate, opts: ObjectiveOptions = {}): ObjectiveValue {
  if (opts.taskScore && c.score !== undefined) return taskObjective(c, c.score, opts);
  const score = primaryScore(c);
  const b = opts.baseline;
  // Compare like with like: accuracy against accuracy, else agreement against the teacher's 100.
  const drop = b && c.accuracy !== null && b.accuracy !== null ? b.accuracy - c.accuracy : (b?.agreement ?? 100) - c.agreement;
  let value = c.accuracy === null ? labelFreeValue(c, opts.objective ?? 'agreement') : score + COSINE_WEIGHT * c.cosine;
  let feasible = drop <= (opts.tolerance ?? 1);
  if (opts.latencyTargetMs && opts.latencyTargetMs > 0 && c.latencyMs > opts.latencyTargetMs) {
    feasible = false;
    value -= LATENCY_PENALTY * (c.latencyMs / opts.latencyTargetMs - 1);
  }
  return { score, value, drop, feasible };
}

/** The objective on the task metric: selectBest's drop, the score (or the label-free objective asked for) as the value. */
function taskObjective(c: ScoredCandidate, score: number, opts: ObjectiveOptions): ObjectiveValue {
  // selectBest's rule, so the search calls feasible what the selection will accept.
  const drop = accuracyDrop(c, opts.baseline);
  const asked = opts.objective ?? 'agreement';
  let value = c.accuracy === null && asked !== 'agreement' ? labelFreeValue(c, asked) : score + COSINE_WEIGHT * c.cosine;
  let feasible = drop <= (opts.tolerance ?? 1);
  if (opts.latencyTargetMs && opts.latencyTargetMs > 0 && c.latencyMs > opts.latencyTargetMs) {
    feasible = false;
    value -= LATENCY_PENALTY * (c.latencyMs / opts.latencyTargetMs - 1);
  }
  return { score, value, drop, feasible };
}

/**
 * The highest value objectiveOf can give a candidate measured like c (the same metrics present):
 * every metric at 100 points, no latency penalty. A trial at the ceiling cannot be beaten on fidelity.
 */
export function valueCeiling(c: ScoredCandidate, objective?: LabelFreeObjective, taskScore?: boolean): number {
  const perfect: ScoredCandidate = {
    accuracy: c.accuracy === null ? null : 100, agreement: 100, cosine: 100, ...(c.emd !== undefined ? { emd: 0 } : {}), ...(c.score !== undefined ? { score: 100 } : {}), latencyMs: 0,
  };
  return objectiveOf(perfect, { objective, taskScore }).value;
}

/** The surrogate's value without labels, in points (100: indistinguishable from the teacher). */
function labelFreeValue(c: ScoredCandidate, objective: LabelFreeObjective): number {
  if (objective === 'cosine') return c.cosine;
  // A candidate validated before EMD was measured has none: it is scored like the default.
  if (objective === 'emd' && c.emd !== undefined) return 100 * (1 - c.emd);
  return c.agreement + COSINE_WEIGHT * c.cosine;
}
