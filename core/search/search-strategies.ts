// How a search walks its space, one registry for every strategy: the grid (the space in order), random
// draws, or a surrogate (./surrogate.ts). The Searcher (./searcher.ts) is the same for all: it dedups,
// covers the calibrators first (./coverage.ts), and asks the strategy for the rest of each batch.
// HyperParameterOptimization.strategy names one (the config schema's values are these names).
import type { Prng } from './prng';
import type { Assignment, SearchSpace } from './space';
import { surrogateProposals } from './surrogate';

/** One finished trial as the searcher sees it; value null for a trial that failed. */
export interface Observation {
  /** The trial's identity (ptqTrial's hash of model, data and config). */
  key: string;
  assignment: Assignment;
  value: number | null;
  feasible: boolean;
}

/** What a strategy is asked: `want` more proposals from the untried `pool` (grid order), beside the batch's coverage picks. */
export interface ProposalContext {
  space: SearchSpace;
  /** Untried assignments, coverage picks left out, in enumeration order. */
  pool: Assignment[];
  want: number;
  /** The batch's coverage picks so far (not to repeat). */
  picked: Assignment[];
  /** Every trial so far, in the order recorded. */
  observations: readonly Observation[];
  /** Keys (assignmentKey) of every assignment tried. */
  seen: ReadonlySet<string>;
  /** Seeded from (seed, observations so far): a replay proposes the same. */
  rng: Prng;
  opts: { seed: number; budget: number; batchSize: number; initial?: number; trees?: number };
}

export interface SearchStrategyDecl {
  readonly doc: string;
  propose(ctx: ProposalContext): Assignment[];
}

export const SEARCH_STRATEGY_NAMES = ['surrogate', 'random', 'grid'] as const;
export type SearchStrategy = (typeof SEARCH_STRATEGY_NAMES)[number];

/** Every search strategy, by name. Adding one: an entry here (the config accepts its name from SEARCH_STRATEGY_NAMES). */
export const SEARCH_STRATEGIES: Readonly<Record<SearchStrategy, SearchStrategyDecl>> = {
  surrogate: { doc: 'a seeded Latin-hypercube start, then a random forest on the trials so far picks by expected improvement', propose: surrogateProposals },
  random: { doc: 'uniform draws from the untried assignments', propose: ({ pool, want, rng }) => rng.shuffle(pool).slice(0, want) },
  grid: { doc: 'every assignment in the space\'s order, until the budget is spent', propose: ({ pool, want }) => pool.slice(0, want) },
};
