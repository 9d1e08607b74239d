// When a PTQ search may stop before its budget is spent, and the sentence the report gives for it.
// The budget (ACT's max_quant_count) is spent unless one of these holds:
// - the space is exhausted: every distinct configuration was tried;
// - a stop signal;
// - patience, when the caller set it: no improvement over that many trials;
// - provably no trial can beat the best: the best is at the objective's ceiling (identical to the
//   teacher on every metric) and every untried configuration differs from it only in numbers the
//   graph carries (ranges, rounding, bias), so it builds the same graph and runs no faster;
// - beyond PTQ: every calibrator and float fallback in the space has been tried and the closest
//   trial still misses the tolerance by more than closeDrop points (ACT's tester rule, applied
//   only once the calibrators with very different ranges have had their chance).
// A tester that meets the target is no reason: another calibrator, placement or float fallback may
// be faster or closer, and the selection downstream picks the fastest within tolerance.
import { graphNeutralKeys } from '../components/ptq-params';
import { objectiveOf, ObjectiveOptions, ScoredCandidate, valueCeiling } from './objective';
import type { Searcher } from './searcher';
import type { Assignment, SearchSpace } from './space';

/** One finished trial as the stopping rules read it (a failed one has no candidate). */
export interface TrialOutcome {
  assignment: Assignment;
  value: number | null;
  candidate?: ScoredCandidate;
}

/**
 * Dimensions that change only the numbers a quantized graph carries (scales and zero points, rounded
 * weights, corrected biases), never which ops it runs: trials that differ only in them build the same
 * graph. Placement, float fallbacks, weight granularity and activation symmetry change the ops or kernels.
 * Each trial parameter says which it is (core/components/ptq-params.ts graphNeutral).
 */
export const GRAPH_NEUTRAL: ReadonlySet<string> = new Set(graphNeutralKeys());

/** The sentence for a stop decided by the searcher's own rules (Searcher.shouldStop's codes). */
export function searcherStopReason(code: string, s: { trials: number; budget: number; patience?: number }): string {
  if (code === 'budget') return `budget spent (${s.trials} of ${s.budget})`;
  if (code === 'space exhausted') return `search space exhausted (${s.trials} distinct trials)`;
  if (code === 'converged') return `no improvement over the last ${s.patience} trials (patience ${s.patience})`;
  if (code === 'target') return 'target value reached';
  return code;
}

/** The sentence for a search ended by the stop signal (or the stopNow update). */
export const STOPPED_BY_SIGNAL = 'stopped by signal';
export const stoppedBySignal = (trials: number, budget: number): string => `${STOPPED_BY_SIGNAL} (${trials} of ${budget} trials run)`;

/** Why no untried trial can beat the best, when that is provable; else undefined. `untried` undefined: the space was too large to enumerate. */
export function noBetterTrial(space: SearchSpace, best: TrialOutcome | undefined, untried: readonly Assignment[] | undefined, opts: ObjectiveOptions): string | undefined {
  if (!best?.candidate || best.value === null || !untried || untried.length === 0) return undefined;
  const ceiling = valueCeiling(best.candidate, opts.objective, opts.taskScore);
  if (best.value < ceiling - 1e-9) return undefined;
  const shaping = space.params.filter((p) => !GRAPH_NEUTRAL.has(p.name));
  if (!untried.every((a) => shaping.every((p) => a[p.name] === best.assignment[p.name]))) return undefined;
  const neutral = space.params.filter((p) => GRAPH_NEUTRAL.has(p.name)).map((p) => p.name).join(', ');
  return `no trial can beat the best: it reaches the objective's ceiling (${ceiling.toFixed(2)} points, identical to the teacher), and the ${untried.length} untried configurations differ from it only in ${neutral}, so they build the same graph and run no faster`;
}

/** The dimensions a PTQ search can try to close a large gap with: the calibrator and the float fallbacks. */
const REMEDIES = ['ptq_algo', 'keep_float'];

/**
 * Why PTQ cannot reach the tolerance, once every calibrator and float fallback of the space has been
 * tried and the closest trial still misses it by more than closeDrop points; else undefined.
 */
export function beyondPtq(space: SearchSpace, trials: readonly TrialOutcome[], closeDrop: number, opts: ObjectiveOptions): string | undefined {
  const measured = trials.filter((t) => t.candidate);
  if (measured.length === 0) return undefined;
  const remedies = space.params.filter((p) => REMEDIES.includes(p.name));
  const untried = remedies.some((p) => p.values.some((v) => !measured.some((t) => t.assignment[p.name] === v)));
  if (untried) return undefined;
  const least = Math.min(...measured.map((t) => objectiveOf(t.candidate!, opts).drop));
  if (least <= closeDrop) return undefined;
  const tried = remedies.map((p) => `${p.name === 'ptq_algo' ? 'calibrator' : p.name} ${p.values.join('/')}`).join(' and ');
  return `beyond PTQ: every ${tried} tried, and the closest trial still loses ${least.toFixed(2)} points, more than the ${closeDrop} a PTQ search can close; only QAT/distillation could reach it`;
}

/** What the stopping rules read after a batch. */
export interface SearchState {
  space: SearchSpace;
  searcher: Pick<Searcher, 'shouldStop' | 'untried'>;
  /** Every finished trial, failed ones included. */
  trials: readonly TrialOutcome[];
  best?: TrialOutcome;
  budget: number;
  patience?: number;
  objective: ObjectiveOptions;
  /** The tester's reach (ptqSearch's tester.closeDrop); absent: no beyond-PTQ rule. */
  closeDrop?: number;
}

/** Why the search stops now (a sentence for the report), or undefined to go on. A stop signal is the caller's. */
export function stopReason(s: SearchState): string | undefined {
  const code = s.searcher.shouldStop();
  if (code) return searcherStopReason(code, { trials: s.trials.length, budget: s.budget, patience: s.patience });
  return noBetterTrial(s.space, s.best, s.searcher.untried(), s.objective)
    ?? (s.closeDrop !== undefined ? beyondPtq(s.space, s.trials, s.closeDrop, s.objective) : undefined);
}
