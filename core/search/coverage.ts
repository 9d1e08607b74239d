// Coverage first: before the surrogate (or random draws, or the grid order) chooses, every value of
// a covered dimension — the calibrator above all — is tried once. A surrogate fitted on one
// calibrator knows nothing of the others, and a tester far from the target says nothing about a
// calibrator that clips its ranges differently (abs_max keeps every outlier; hist, KL, mse and emd
// cut them), so on a MiniLM encoder KL was never tried while abs_max shipped at cosine 0.958.
import { TRIAL_PARAMS } from '../components/ptq-params';
import { CALIBRATORS } from '../quant/calibrators/catalog';
import { Assignment, assignmentKey, baseAssignment, ParamValue, SearchSpace } from './space';

/** Each calibrator's family (./catalog.ts): calibrators of one family give close ranges; coverage tries one of each family before a second of any. */
const CALIBRATOR_FAMILY: Record<string, string> = Object.fromEntries(CALIBRATORS.map((c) => [c.name, c.family]));

/** The calibrators a search tries when HyperParameterOptimization.ptq_algo is not given: every declared one, so every family. */
export const SEARCHED_CALIBRATORS: readonly string[] = CALIBRATORS.map((c) => c.name);

const familyOf = (param: string, v: ParamValue): string =>
  param === 'ptq_algo' ? CALIBRATOR_FAMILY[String(v)] ?? String(v) : String(v);

/**
 * A dimension's untried values in the order coverage tries them: round-robin over families (first
 * the families no trial has used yet), each family's values in the space's order.
 */
export function coverageOrder(param: string, values: readonly ParamValue[], tried: readonly ParamValue[]): ParamValue[] {
  const usedFamilies = new Set(tried.map((v) => familyOf(param, v)));
  const queues = new Map<string, ParamValue[]>();
  for (const v of values) {
    if (tried.includes(v)) continue;
    const f = familyOf(param, v);
    queues.set(f, [...(queues.get(f) ?? []), v]);
  }
  // Families no trial has used come first; Map order keeps the space's order within each group.
  const families = [...queues.keys()].sort((a, b) => Number(usedFamilies.has(a)) - Number(usedFamilies.has(b)));
  const out: ParamValue[] = [];
  for (let round = 0; out.length < [...queues.values()].reduce((n, q) => n + q.length, 0); round++) {
    for (const f of families) {
      const q = queues.get(f)!;
      if (round < q.length) out.push(q[round]);
    }
  }
  return out;
}

/** How many parameters two assignments set differently (a parameter set in one only counts). */
function distance(space: SearchSpace, a: Assignment, b: Assignment): number {
  return space.params.filter((p) => a[p.name] !== b[p.name]).length;
}

/**
 * The coverage picks for the next batch: for each covered dimension, one untried assignment per
 * value no trial has had yet, the one closest to the anchor (the best trial so far, else the base
 * trial), so a pick changes the covered value and as little else as the space allows. `pool` is
 * the untried assignments in the order ties should go; at most `want` picks.
 */
export function coveragePicks(space: SearchSpace, cover: readonly string[], tried: readonly Assignment[], pool: readonly Assignment[], want: number, anchor?: Assignment): Assignment[] {
  // A parameter the anchor leaves unset (hist_percent of an abs_max tester) prefers the base trial's value, else its declared default.
  const defaults = Object.fromEntries(TRIAL_PARAMS.map((d) => [d.key, d.get(space.base) ?? d.default]));
  const from: Assignment = { ...defaults, ...(anchor ?? baseAssignment(space)) };
  const picks: Assignment[] = [];
  const taken = new Set<string>();
  for (const name of cover) {
    const p = space.params.find((q) => q.name === name);
    if (!p) continue;
    const seen = tried.map((a) => a[name]).filter((v) => v !== undefined);
    for (const v of coverageOrder(name, p.values, seen)) {
      if (picks.length >= want) return picks;
      if (picks.some((a) => a[name] === v)) continue;
      let best: Assignment | undefined;
      let bestD = Infinity;
      for (const a of pool) {
        if (a[name] !== v || taken.has(assignmentKey(space, a))) continue;
        const d = distance(space, a, from);
        if (d < bestD) { best = a; bestD = d; }
      }
      if (best) {
        picks.push(best);
        taken.add(assignmentKey(space, best));
      }
    }
  }
  return picks;
}
