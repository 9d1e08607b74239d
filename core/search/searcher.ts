// The sampler behind ptqSearch: suggest() a batch, record() its feedback, ask shouldStop().
// Every proposal is a pure function of (space, options, history): the PRNG for a batch is seeded
// from (seed, number of observations), so a workflow rebuilt from its history — after a replay, a
// crash or a continue-as-new — proposes exactly what the uninterrupted run proposed.
import { expectedImprovement } from './acquisition';
import { coveragePicks } from './coverage';
import { RandomForest } from './forest';
import { hash32, Prng } from './prng';
import { Assignment, assignmentKey, canonical, encode, enumerateSpace, isActive, randomAssignment, SearchSpace } from './space';

export type SearchStrategy = 'surrogate' | 'random' | 'grid';

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

/** One finished trial as the searcher sees it; value null for a trial that failed. */
export interface Observation {
  /** The trial's identity (ptqTrial's hash of model, data and config). */
  key: string;
  assignment: Assignment;
  value: number | null;
  feasible: boolean;
}

// Spaces up to this size are enumerated as the acquisition's candidate pool; larger ones are sampled.
const MAX_ENUMERATED = 20_000;
const SAMPLED_POOL = 2_000;

/** A seeded, deterministic sampler over a search space. */
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
    if (this.strategy === 'grid') return [...covering, ...pool.slice(0, left)];
    if (this.strategy === 'random') return [...covering, ...rng.shuffle(pool).slice(0, left)];
    const initial = this.opts.initial ?? Math.max(this.opts.batchSize, Math.round(this.opts.budget / 4), 4);
    const picks: Assignment[] = [...covering];
    // The initial design is fixed by the seed alone; its points not yet tried come first.
    if (this.obs.length < initial) {
      for (const a of latinHypercube(this.space, initial, this.opts.seed)) {
        const k = assignmentKey(this.space, a);
        if (picks.length < want && !this.seen.has(k) && !picks.some((p) => assignmentKey(this.space, p) === k)) picks.push(a);
      }
    }
    const rest = rng.shuffle(pool.filter((a) => !picks.some((p) => assignmentKey(this.space, p) === assignmentKey(this.space, a))));
    const valued = this.obs.filter((o) => o.value !== null);
    if (valued.length < 2) return [...picks, ...rest].slice(0, want);
    return [...picks, ...this.byExpectedImprovement(rest, want - picks.length, rng)];
  }

  /**
   * Greedy batch by "kriging believer": pick the best EI, pretend it scored the forest's mean,
   * refit, pick again — so a batch spreads out instead of repeating one guess.
   */
  private byExpectedImprovement(pool: Assignment[], n: number, rng: Prng): Assignment[] {
    const valued = this.obs.filter((o) => o.value !== null);
    // Failed trials count as a bit worse than the worst seen, so the surrogate steers away from them.
    const floor = Math.min(...valued.map((o) => o.value!)) - 1;
    const X = this.obs.map((o) => encode(this.space, o.assignment));
    const y = this.obs.map((o) => o.value ?? floor);
    const incumbent = Math.max(...y);
    const left = pool.map((a) => ({ a, x: encode(this.space, a) }));
    const out: Assignment[] = [];
    while (out.length < n && left.length > 0) {
      const forest = RandomForest.fit(X, y, { seed: rng.int(2 ** 31), trees: this.opts.trees ?? 16 });
      let bi = 0, bestEi = -Infinity, bestMean = 0;
      left.forEach((c, i) => {
        const p = forest.predict(c.x);
        const ei = expectedImprovement(p.mean, p.variance, incumbent);
        // Ties (common on a flat start) go to the higher mean, then to pool order (already shuffled).
        if (ei > bestEi + 1e-12 || (Math.abs(ei - bestEi) <= 1e-12 && p.mean > bestMean)) { bi = i; bestEi = ei; bestMean = p.mean; }
      });
      const [pick] = left.splice(bi, 1);
      out.push(pick.a);
      X.push(pick.x);
      y.push(bestMean);
    }
    return out;
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

/** n points spread over the space: each parameter's values are cut into n strata, one point per stratum. */
export function latinHypercube(space: SearchSpace, n: number, seed: number): Assignment[] {
  const rng = new Prng(hash32(seed, 0x1a7));
  const perms = space.params.map(() => rng.shuffle([...Array(n).keys()]));
  const out: Assignment[] = [];
  for (let i = 0; i < n; i++) {
    const a: Assignment = {};
    space.params.forEach((p, j) => {
      if (!isActive(p, a)) return;
      const u = (perms[j][i] + rng.next()) / n;
      a[p.name] = p.values[Math.min(p.values.length - 1, Math.floor(u * p.values.length))];
    });
    out.push(canonical(space, a));
  }
  return out;
}
