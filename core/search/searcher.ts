// The sampler behind ptqSearch: suggest() a batch, record() its feedback, ask shouldStop().
// Every proposal is a pure function of (space, options, history): the PRNG for a batch is seeded
// from (seed, number of observations), so a workflow rebuilt from its history — after a replay, a
// crash or a continue-as-new — proposes exactly what the uninterrupted run proposed.
import { coveragePicks } from './coverage';
import { hash32, Prng } from './prng';
import { Observation, SEARCH_STRATEGIES, SearchStrategy } from './search-strategies';
import { Assignment, assignmentKey, enumerateSpace, randomAssignment, SearchSpace } from './space';

export type { Observation, SearchStrategy } from './search-strategies';
export { latinHypercube } from './surrogate';

export interface SearchOptions {
  seed: number;
  /** Trials in all (ACT's max_quant_count). */
  budget: number;
  /** Trials proposed at once (run in parallel). */
  batchSize: number;
  strategy?: SearchStrategy;
  /** Size of the initial design before the surrogate takes over (default: max(batch, ~a quarter of the budget, 4)). */
  initial?: number;
  /** Stop as soon as a feasible trial reaches this value. */
  targetValue?: number;
  /** Stop when the best has not improved over this many trials. */
  patience?: number;
  trees?: number;
  /**
   * Dimensions whose every value is tried once before the strategy chooses (see core/search/coverage):
   * ['ptq_algo'] makes the first proposals cover the calibrators. Absent: none (searches recorded before it).
   */
  cover?: string[];
}

// Spaces up to this size are enumerated as the acquisition's candidate pool; larger ones are sampled.
const MAX_ENUMERATED = 20_000;
const SAMPLED_POOL = 2_000;

/** A seeded, deterministic sampler over a search space; the strategy (./search-strategies) chooses what coverage leaves. */
export class Searcher {
  /** Assignment keys tried (what suggest avoids) and trial keys recorded (what record dedups). */
  private readonly seen = new Set<string>();
  private readonly trialKeys = new Set<string>();
  private readonly obs: Observation[] = [];
  readonly strategy: SearchStrategy;

  constructor(readonly space: SearchSpace, readonly opts: SearchOptions, history: readonly Observation[] = []) {
    this.strategy = opts.strategy ?? 'surrogate';
    this.record(history);
  }

  /** Observations so far, in the order recorded. */
  get history(): readonly Observation[] {
    return this.obs;
  }

  /** Record finished trials; a key already recorded is ignored (a trial never counts twice). */
  record(feedback: readonly Observation[]): void {
    for (const o of feedback) {
      const k = assignmentKey(this.space, o.assignment);
      if (this.trialKeys.has(o.key) || this.seen.has(k)) continue;
      this.seen.add(k);
      this.trialKeys.add(o.key);
      this.obs.push(o);
    }
  }

  /**
   * Mark assignments as tried without an observation: one whose trial key another assignment already
   * recorded (both make the same model) must not be proposed again.
   */
  markTried(assignments: readonly Assignment[]): void {
    for (const a of assignments) this.seen.add(assignmentKey(this.space, a));
  }

  /** The best observation: the highest value among feasible ones, else the highest overall. */
  best(): Observation | undefined {
    const valued = this.obs.filter((o) => o.value !== null);
    const pool = valued.some((o) => o.feasible) ? valued.filter((o) => o.feasible) : valued;
    return pool.reduce<Observation | undefined>((b, o) => (!b || o.value! > b.value! ? o : b), undefined);
  }

  /** Why the search should stop now, or undefined to go on. */
  shouldStop(): string | undefined {
    if (this.obs.length >= this.opts.budget) return 'budget';
    const best = this.best();
    if (this.opts.targetValue !== undefined && best?.feasible && best.value! >= this.opts.targetValue) return 'target';
    if (this.opts.patience !== undefined && best) {
      const at = this.obs.indexOf(best);
      if (this.obs.length - 1 - at >= this.opts.patience) return 'converged';
    }
    if (this.unseen(new Prng(0)).length === 0) return 'space exhausted';
    return undefined;
  }

  /** The next batch of distinct, untried assignments (at most batchSize and what the budget leaves). */
  suggest(n = this.opts.batchSize): Assignment[] {
    const rng = new Prng(hash32(this.opts.seed, this.obs.length));
    const want = Math.max(0, Math.min(n, this.opts.budget - this.obs.length));
    if (want === 0) return [];
    const all = this.unseen(rng);
    const covering = this.opts.cover?.length ? coveragePicks(this.space, this.opts.cover, this.obs.map((o) => o.assignment), all, want, this.best()?.assignment) : [];
    const pool = covering.length ? all.filter((a) => !covering.includes(a)) : all;
    const left = want - covering.length;
    if (left === 0) return covering;
    const proposed = SEARCH_STRATEGIES[this.strategy].propose({
      space: this.space, pool, want: left, picked: covering, observations: this.obs, seen: this.seen, rng, opts: this.opts,
    });
    return [...covering, ...proposed];
  }

  /** Every untried assignment, or undefined when the space is too large to enumerate (then no claim over all of them holds). */
  untried(): Assignment[] | undefined {
    const all = enumerateSpace(this.space);
    return all.length <= MAX_ENUMERATED ? all.filter((a) => !this.seen.has(assignmentKey(this.space, a))) : undefined;
  }

  /** Untried assignments: the whole grid when small, else a seeded sample of it. */
  private unseen(rng: Prng): Assignment[] {
    const all = enumerateSpace(this.space);
    if (all.length <= MAX_ENUMERATED) return all.filter((a) => !this.seen.has(assignmentKey(this.space, a)));
    const out = new Map<string, Assignment>();
    for (let i = 0; i < SAMPLED_POOL * 4 && out.size < SAMPLED_POOL; i++) {
      const a = randomAssignment(this.space, rng);
      const k = assignmentKey(this.space, a);
      if (!this.seen.has(k)) out.set(k, a);
    }
    return [...out.values()];
  }
}
