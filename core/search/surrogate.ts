// The surrogate strategy: a Latin-hypercube initial design fixed by the seed, then a random forest
// fitted on every trial so far proposes the batch by expected improvement.
import { expectedImprovement } from './acquisition';
import { RandomForest } from './forest';
import { hash32, Prng } from './prng';
import type { ProposalContext } from './search-strategies';
import { Assignment, assignmentKey, canonical, encode, isActive, SearchSpace } from './space';

/** The surrogate's proposals for one batch, after the coverage picks. */
export function surrogateProposals(ctx: ProposalContext): Assignment[] {
  const { space, opts, observations: obs, seen, rng } = ctx;
  const total = ctx.picked.length + ctx.want;
  const initial = opts.initial ?? Math.max(opts.batchSize, Math.round(opts.budget / 4), 4);
  const picks: Assignment[] = [...ctx.picked];
  // The initial design is fixed by the seed alone; its points not yet tried come first.
  if (obs.length < initial) {
    for (const a of latinHypercube(space, initial, opts.seed)) {
      const k = assignmentKey(space, a);
      if (picks.length < total && !seen.has(k) && !picks.some((p) => assignmentKey(space, p) === k)) picks.push(a);
    }
  }
  const rest = rng.shuffle(ctx.pool.filter((a) => !picks.some((p) => assignmentKey(space, p) === assignmentKey(space, a))));
  const designed = picks.slice(ctx.picked.length);
  if (obs.filter((o) => o.value !== null).length < 2) return [...designed, ...rest].slice(0, ctx.want);
  return [...designed, ...byExpectedImprovement(ctx, rest, total - picks.length)];
}

/**
 * Greedy batch by "kriging believer": pick the best EI, pretend it scored the forest's mean,
 * refit, pick again — so a batch spreads out instead of repeating one guess.
 */
function byExpectedImprovement({ space, observations, rng, opts }: ProposalContext, pool: Assignment[], n: number): Assignment[] {
  const valued = observations.filter((o) => o.value !== null);
  // Failed trials count as a bit worse than the worst seen, so the surrogate steers away from them.
  const floor = Math.min(...valued.map((o) => o.value!)) - 1;
  const X = observations.map((o) => encode(space, o.assignment));
  const y = observations.map((o) => o.value ?? floor);
  const incumbent = Math.max(...y);
  const left = pool.map((a) => ({ a, x: encode(space, a) }));
  const out: Assignment[] = [];
  while (out.length < n && left.length > 0) {
    const forest = RandomForest.fit(X, y, { seed: rng.int(2 ** 31), trees: opts.trees ?? 16 });
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
