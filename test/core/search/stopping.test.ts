// The search spends its budget unless a rule of core/search/stopping says why not, in a sentence:
// a tester that meets the target does not end it, a tester far from it does not skip it while a
// calibrator is untried, and "no trial can beat the best" only when that is provable.
import { describe, expect, it } from 'vitest';
import type { PtqTrialConfig } from '../../../core/config/compile';
import type { ScoredCandidate } from '../../../core/search/objective';
import { objectiveOf, valueCeiling } from '../../../core/search/objective';
import { Searcher } from '../../../core/search/searcher';
import { beyondPtq, noBetterTrial, searcherStopReason, stopReason, TrialOutcome } from '../../../core/search/stopping';
import { Assignment, assignmentKey, baseAssignment, buildSearchSpace, enumerateSpace, SearchSpace } from '../../../core/search/space';

const base: PtqTrialConfig = { calibrator: 'abs_max', perChannel: true, biasCorrect: false, batchSize: 8, batchNum: 4, opTypes: ['Conv'], skipNodes: [] };
const calibrators = ['abs_max', 'avg', 'hist', 'KL', 'mse'];
const space = buildSearchSpace({ ptq_algo: calibrators, weight_quantize_type: ['channel_wise_abs_max'], bias_correct: [false] }, base, { keep_float: [0, 1], sensitiveLayers: ['conv1'] });
const baseline: ScoredCandidate = { accuracy: 90, agreement: 100, cosine: 100, latencyMs: 20 };
const objective = { baseline, tolerance: 1 };
const cand = (accuracy: number, over: Partial<ScoredCandidate> = {}): ScoredCandidate => ({ accuracy, agreement: accuracy + 5, cosine: 99, latencyMs: 10, ...over });
const outcome = (assignment: Assignment, c: ScoredCandidate): TrialOutcome => ({ assignment, value: objectiveOf(c, objective).value, candidate: c });

/** Run the stopping rules as ptqSearch does, with a made-up accuracy per trial; returns the trials run and the reason. */
function simulate(sp: SearchSpace, accuracyOf: (a: Assignment) => number, budget: number, closeDrop?: number) {
  const searcher = new Searcher(sp, { seed: 1, budget, batchSize: 2, cover: ['ptq_algo', 'placement'] });
  const trials: (TrialOutcome & { key: string })[] = [];
  for (let batch = [baseAssignment(sp)]; ; batch = searcher.suggest()) {
    const fresh = batch.map((a) => ({ key: assignmentKey(sp, a), ...outcome(a, cand(accuracyOf(a))) }));
    trials.push(...fresh);
    searcher.record(fresh.map((t) => ({ key: t.key, assignment: t.assignment, value: t.value, feasible: objectiveOf(t.candidate!, objective).feasible })));
    const best = trials.find((t) => t.key === searcher.best()?.key);
    const why = stopReason({ space: sp, searcher, trials, best, budget, objective, closeDrop });
    if (why) return { trials, why };
  }
}

describe('stop reasons', () => {
  it('are sentences that say how much of the budget or the space was used', () => {
    expect(searcherStopReason('budget', { trials: 10, budget: 10 })).toBe('budget spent (10 of 10)');
    expect(searcherStopReason('space exhausted', { trials: 6, budget: 10 })).toBe('search space exhausted (6 distinct trials)');
    expect(searcherStopReason('converged', { trials: 7, budget: 10, patience: 3 })).toMatch(/no improvement over the last 3 trials/);
  });

  it('a tester that meets the target does not end the search: the budget is spent', () => {
    // Every trial within tolerance, the tester too.
    const r = simulate(space, () => 89.5, 6, 3);
    expect(r.trials.length).toBe(6);
    expect(r.why).toBe('budget spent (6 of 6)');
  });

  it('a tester far from the target does not skip the search while a calibrator is untried', () => {
    // Every trial 20 points off, far beyond closeDrop: the search tries each calibrator and each
    // float fallback, then says PTQ cannot reach it — before the budget of 20.
    const r = simulate(space, () => 70, 20, 3);
    const tried = new Set(r.trials.map((t) => t.assignment.ptq_algo));
    expect(tried).toEqual(new Set(calibrators));
    expect(new Set(r.trials.map((t) => t.assignment.keep_float))).toEqual(new Set([0, 1]));
    expect(r.trials.length).toBeLessThan(20);
    expect(r.why).toMatch(/^beyond PTQ: every calibrator abs_max\/avg\/hist\/KL\/mse and keep_float 0\/1 tried, and the closest trial still loses 20\.00 points, more than the 3 .*only QAT\/distillation could reach it$/);
  });

  it('a far tester with one calibrator close enough: the search spends its budget', () => {
    const r = simulate(space, (a) => (a.ptq_algo === 'KL' ? 88.5 : 70), 8, 3);
    expect(r.why).toBe('budget spent (8 of 8)');
    expect(r.trials.some((t) => t.assignment.ptq_algo === 'KL')).toBe(true);
  });

  it('ends with the space when it is smaller than the budget', () => {
    const small = buildSearchSpace({ ptq_algo: ['abs_max', 'KL'], weight_quantize_type: ['channel_wise_abs_max'], bias_correct: [false] }, base, { placement: ['integer-path', 'conv-only'] });
    const r = simulate(small, () => 89.9, 10, 3);
    expect(r.trials.length).toBe(4);
    expect(r.why).toBe('search space exhausted (4 distinct trials)');
  });
});

describe('no trial can beat the best', () => {
  const perfect: ScoredCandidate = { accuracy: null, agreement: 100, cosine: 100, latencyMs: 10 };
  const opts = { objective: 'agreement' as const };
  const calOnly = buildSearchSpace({ ptq_algo: ['abs_max', 'KL', 'mse'], weight_quantize_type: ['channel_wise_abs_max'], bias_correct: [false, true] }, base);
  const best = (a: Assignment, c: ScoredCandidate): TrialOutcome => ({ assignment: a, value: objectiveOf(c, opts).value, candidate: c });
  const a0 = baseAssignment(calOnly);
  const rest = (sp: SearchSpace, tried: Assignment) => enumerateSpace(sp).filter((a) => assignmentKey(sp, a) !== assignmentKey(sp, tried));

  it('holds when the best is identical to the teacher and every untried trial builds the same graph', () => {
    expect(valueCeiling(perfect)).toBeCloseTo(100.1, 9);
    expect(noBetterTrial(calOnly, best(a0, perfect), rest(calOnly, a0), opts)).toMatch(/^no trial can beat the best: .*5 untried configurations differ from it only in ptq_algo, bias_correct/);
  });

  it('does not hold below the ceiling, with a graph-changing dimension untried, or over a space too large to enumerate', () => {
    expect(noBetterTrial(calOnly, best(a0, { ...perfect, cosine: 99.99 }), rest(calOnly, a0), opts)).toBeUndefined();
    const placed = buildSearchSpace({ ptq_algo: ['abs_max', 'KL'], weight_quantize_type: ['channel_wise_abs_max'], bias_correct: [false] }, base, { placement: ['integer-path', 'conv-only'] });
    const p0 = baseAssignment(placed);
    expect(noBetterTrial(placed, best(p0, perfect), rest(placed, p0), opts)).toBeUndefined();
    expect(noBetterTrial(calOnly, best(a0, perfect), undefined, opts)).toBeUndefined();
    // With cosine as the objective the ceiling is 100 points.
    expect(noBetterTrial(calOnly, { assignment: a0, value: 99.99, candidate: { ...perfect, cosine: 99.99 } }, rest(calOnly, a0), { objective: 'cosine' })).toBeUndefined();
    expect(noBetterTrial(calOnly, { assignment: a0, value: 100, candidate: perfect }, rest(calOnly, a0), { objective: 'cosine' })).toMatch(/^no trial can beat the best/);
  });
});

describe('beyond PTQ', () => {
  const at = (ptq_algo: string, keep_float: number, accuracy: number) => outcome({ ptq_algo, keep_float }, cand(accuracy));
  it('needs every calibrator and every float fallback tried, all beyond closeDrop', () => {
    const all = calibrators.flatMap((c) => [at(c, 0, 80), at(c, 1, 82)]);
    expect(beyondPtq(space, all, 3, objective)).toMatch(/closest trial still loses 8\.00 points/);
    expect(beyondPtq(space, all.filter((t) => t.assignment.ptq_algo !== 'mse'), 3, objective)).toBeUndefined();
    expect(beyondPtq(space, all.filter((t) => t.assignment.keep_float !== 1), 3, objective)).toBeUndefined();
    expect(beyondPtq(space, [...all, at('KL', 1, 87.5)], 3, objective)).toBeUndefined();
    // Failed trials (no candidate) count for nothing.
    expect(beyondPtq(space, [{ assignment: { ptq_algo: 'abs_max', keep_float: 0 }, value: null }], 3, objective)).toBeUndefined();
  });
});
