import { describe, expect, it } from 'vitest';
import type { PtqTrialConfig } from '../../../core/config/compile';
import { objectiveOf } from '../../../core/search/objective';
import { testerVerdict } from '../../../core/search/tester';
import { latinHypercube, Observation, Searcher, SearchOptions } from '../../../core/search/searcher';
import { Assignment, assignmentKey, buildSearchSpace, enumerateSpace, SearchSpace } from '../../../core/search/space';

const base: PtqTrialConfig = { calibrator: 'abs_max', perChannel: true, biasCorrect: false, batchSize: 8, batchNum: 4, opTypes: ['Conv'], skipNodes: [] };
const space = buildSearchSpace(
  { ptq_algo: ['abs_max', 'avg', 'hist', 'mse', 'KL', 'emd'], weight_quantize_type: ['channel_wise_abs_max', 'abs_max'], bias_correct: [false, true], hist_percent: [0.999, 0.9999, 0.99999, 0.999999], batch_num: [2, 4, 8] },
  base,
  { activation_symmetric: [false, true] },
);

// A synthetic response with structure a surrogate can learn: per-channel and hist at 0.9999 help, symmetry hurts a little.
function score(a: Assignment): number {
  let s = 90;
  s += a.weight_quantize_type === 'channel_wise_abs_max' ? 4 : 0;
  s += ({ abs_max: 0, avg: 1, hist: 2, mse: 2.5, KL: 1.5, emd: 2 } as Record<string, number>)[String(a.ptq_algo)];
  if (a.ptq_algo === 'hist') s += a.hist_percent === 0.9999 ? 1.5 : a.hist_percent === 0.99999 ? 1 : 0;
  s += a.bias_correct ? 0.5 : 0;
  s += a.activation_symmetric ? -0.7 : 0;
  s += Number(a.batch_num) === 8 ? 0.3 : Number(a.batch_num) === 4 ? 0.2 : 0;
  return s;
}

function run(opts: SearchOptions, sp: SearchSpace = space): Searcher {
  const s = new Searcher(sp, opts);
  while (!s.shouldStop()) {
    const batch = s.suggest();
    s.record(batch.map((a) => ({ key: assignmentKey(sp, a), assignment: a, value: score(a), feasible: true })));
  }
  return s;
}

describe('searcher', () => {
  const grid = enumerateSpace(space);
  const gridBest = Math.max(...grid.map(score));

  it('proposes the same batches under the same seed, and a rebuilt searcher continues identically', () => {
    const a = run({ seed: 5, budget: 20, batchSize: 4 });
    const b = run({ seed: 5, budget: 20, batchSize: 4 });
    expect(a.history.map((o) => o.key)).toEqual(b.history.map((o) => o.key));
    // Rebuilt from the first 12 observations (as after continue-as-new), it proposes what the original did next.
    const rebuilt = new Searcher(space, { seed: 5, budget: 20, batchSize: 4 }, a.history.slice(0, 12));
    expect(rebuilt.suggest().map((x) => assignmentKey(space, x))).toEqual(a.history.slice(12, 16).map((o) => o.key));
    const c = run({ seed: 6, budget: 20, batchSize: 4 });
    expect(c.history.map((o) => o.key)).not.toEqual(a.history.map((o) => o.key));
  });

  it('never proposes a tried assignment and never counts a trial twice', () => {
    const s = run({ seed: 1, budget: 40, batchSize: 3 });
    const keys = s.history.map((o) => o.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(40);
    const n = s.history.length;
    s.record([s.history[0], s.history[1]]);
    expect(s.history.length).toBe(n);
  });

  it('finds a near-best configuration with a fraction of the grid, better than random on average', () => {
    const budget = Math.round(grid.length * 0.2);
    let sGap = 0, rGap = 0;
    for (const seed of [0, 1, 2, 3, 4]) {
      sGap += gridBest - run({ seed, budget, batchSize: 4 }).best()!.value!;
      rGap += gridBest - run({ seed, budget, batchSize: 4, strategy: 'random' }).best()!.value!;
    }
    expect(sGap / 5).toBeLessThan(0.5);
    expect(sGap).toBeLessThan(rGap);
  });

  it('stops at the target, on patience and when the space is exhausted', () => {
    expect(run({ seed: 0, budget: 500, batchSize: 2, targetValue: 90 }).shouldStop()).toBe('target');
    const small = buildSearchSpace({ ptq_algo: ['abs_max', 'avg'], weight_quantize_type: ['channel_wise_abs_max'], bias_correct: [false] }, base);
    const s = run({ seed: 0, budget: 10, batchSize: 4 }, small);
    expect(s.history).toHaveLength(2);
    expect(s.shouldStop()).toBe('space exhausted');
    const flat = new Searcher(space, { seed: 0, budget: 100, batchSize: 2, patience: 3 });
    flat.record(flat.suggest(4).map((a) => ({ key: assignmentKey(space, a), assignment: a, value: 1, feasible: true })));
    expect(flat.shouldStop()).toBe('converged');
  });

  it('prefers feasible trials and steers away from failed ones', () => {
    const s = new Searcher(space, { seed: 0, budget: 10, batchSize: 2 });
    const [a, b, c] = enumerateSpace(space);
    const obs: Observation[] = [
      { key: 'a', assignment: a, value: 99, feasible: false },
      { key: 'b', assignment: b, value: 95, feasible: true },
      { key: 'c', assignment: c, value: null, feasible: false },
    ];
    s.record(obs);
    expect(s.best()!.key).toBe('b');
    expect(s.suggest()).toHaveLength(2);
  });

  it('spreads the initial design over every calibrator', () => {
    const pts = latinHypercube(space, 12, 3);
    expect(new Set(pts.map((p) => p.ptq_algo)).size).toBe(6);
  });
});

describe('objective', () => {
  const c = { accuracy: 97, agreement: 99, cosine: 99.5, latencyMs: 10 };
  it('uses the task metric with labels, agreement without', () => {
    expect(objectiveOf(c).score).toBe(97);
    expect(objectiveOf({ ...c, accuracy: null }).score).toBe(99);
    expect(objectiveOf(c).value).toBeCloseTo(97 + 0.0995, 6);
  });
  it('flags a drop beyond tolerance and penalises a latency overshoot', () => {
    const baseline = { accuracy: 98.5, agreement: 100, cosine: 100, latencyMs: 20 };
    expect(objectiveOf(c, { baseline, tolerance: 1 })).toMatchObject({ drop: 1.5, feasible: false });
    expect(objectiveOf(c, { baseline, tolerance: 2 }).feasible).toBe(true);
    const slow = objectiveOf(c, { baseline, tolerance: 2, latencyTargetMs: 8 });
    expect(slow.feasible).toBe(false);
    expect(slow.value).toBeLessThan(objectiveOf(c).value - 20);
  });
});

// The tester's own verdict ended searches recorded before the search-spends-budget patch; they replay with it.
describe('tester verdict (searches recorded before the search spent its budget)', () => {
  const baseline = { accuracy: 98, agreement: 100, cosine: 100, latencyMs: 20 };
  it('stops when the tester meets the tolerance, searches when close, gives up on PTQ when far', () => {
    const at = (accuracy: number) => testerVerdict({ accuracy, agreement: 99, cosine: 99, latencyMs: 10 }, { baseline, tolerance: 1 }, 3);
    expect(at(97.5)).toBe('tester met the target');
    expect(at(96)).toBeUndefined();
    expect(at(90)).toMatch(/drop 8.00 > 3 points\): only QAT\/distillation could reach it/);
  });
});
