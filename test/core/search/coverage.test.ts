// The first proposals after the tester cover the calibrators (one per family of range before a
// second of any), each changing the calibrator and as little else as the space allows.
import { describe, expect, it } from 'vitest';
import type { PtqTrialConfig } from '../../../core/config/compile';
import { calibratorNames } from '../../../core/quant/calibrators';
import { coverageOrder, coveragePicks, SEARCHED_CALIBRATORS } from '../../../core/search/coverage';
import { Searcher, SearchStrategy } from '../../../core/search/searcher';
import { Assignment, assignmentKey, baseAssignment, buildSearchSpace, enumerateSpace } from '../../../core/search/space';

const base: PtqTrialConfig = { calibrator: 'abs_max', perChannel: true, biasCorrect: false, batchSize: 8, batchNum: 4, opTypes: ['Conv'], skipNodes: [] };
const space = buildSearchSpace(
  { ptq_algo: ['abs_max', 'avg', 'hist', 'KL', 'mse', 'emd'], weight_quantize_type: ['channel_wise_abs_max', 'abs_max'], bias_correct: [false, true], hist_percent: [0.999, 0.9999, 0.99999] },
  base,
  { activation_symmetric: [false, true], keep_float: [0, 1, 2], sensitiveLayers: ['a', 'b'], placement: ['integer-path', 'conv-only'] },
);
const obs = (a: Assignment, value: number) => ({ key: assignmentKey(space, a), assignment: a, value, feasible: true });
const differing = (a: Assignment, b: Assignment) => space.params.filter((p) => a[p.name] !== b[p.name]).map((p) => p.name);

describe('coverage order', () => {
  it('puts the families no trial has used first, one of each before a second of any', () => {
    expect(coverageOrder('ptq_algo', ['abs_max', 'avg', 'hist', 'KL', 'mse', 'emd'], ['abs_max'])).toEqual(['hist', 'KL', 'mse', 'avg', 'emd']);
    expect(coverageOrder('ptq_algo', ['abs_max', 'avg', 'mse', 'emd'], [])).toEqual(['abs_max', 'mse', 'avg', 'emd']);
    // Values of other dimensions are families of their own; tried values are left out.
    expect(coverageOrder('placement', ['integer-path', 'conv-only'], ['integer-path'])).toEqual(['conv-only']);
  });

  it('names only registered calibrators as the default ptq_algo', () => {
    for (const c of SEARCHED_CALIBRATORS) expect(calibratorNames()).toContain(c);
    expect(SEARCHED_CALIBRATORS.length).toBeGreaterThanOrEqual(5);
  });
});

describe('the first proposals after the tester', () => {
  const tester = baseAssignment(space);

  for (const strategy of ['surrogate', 'random', 'grid'] as SearchStrategy[]) {
    it(`cover every other calibrator, changing nothing else but its own parameter (${strategy})`, () => {
      // A tester far from the target (or at it): what it scored does not decide the next batch's calibrators.
      for (const testerValue of [40, 100]) {
        const s = new Searcher(space, { seed: 7, budget: 20, batchSize: 4, strategy, cover: ['ptq_algo', 'placement'] }, [obs(tester, testerValue)]);
        const first = s.suggest();
        expect(first.map((a) => a.ptq_algo)).toEqual(['hist', 'KL', 'mse', 'avg']);
        for (const a of first) expect(differing(a, tester).filter((n) => n !== 'hist_percent')).toEqual(['ptq_algo']);
        // hist takes the calibrator's default share when the space has it.
        expect(first.find((a) => a.ptq_algo === 'hist')!.hist_percent).toBe(0.99999);
        s.record(first.map((a) => obs(a, 90)));
        // The next batch finishes the calibrators (emd), then the other placement.
        const second = s.suggest();
        expect(second[0].ptq_algo).toBe('emd');
        expect(second[1].placement).toBe('conv-only');
        expect(new Set([tester, ...first, ...second.slice(0, 1)].map((a) => a.ptq_algo))).toEqual(new Set(SEARCHED_CALIBRATORS));
      }
    });
  }

  it('anchor on the best trial so far, and never propose a tried assignment', () => {
    const pool = enumerateSpace(space);
    const best = { ...tester, weight_quantize_type: 'abs_max', keep_float: 1 };
    const picks = coveragePicks(space, ['ptq_algo'], [tester, best], pool.filter((a) => ![tester, best].some((t) => assignmentKey(space, t) === assignmentKey(space, a))), 3, best);
    expect(picks).toHaveLength(3);
    for (const a of picks) {
      expect(differing(a, best).filter((n) => n !== 'hist_percent')).toEqual(['ptq_algo']);
      expect(a.ptq_algo).not.toBe('abs_max');
    }
  });

  it('without the cover option, proposes as before (searches recorded before it replay unchanged)', () => {
    const a = new Searcher(space, { seed: 7, budget: 20, batchSize: 4 }, [obs(tester, 90)]);
    const b = new Searcher(space, { seed: 7, budget: 20, batchSize: 4, cover: [] }, [obs(tester, 90)]);
    expect(a.suggest().map((x) => assignmentKey(space, x))).toEqual(b.suggest().map((x) => assignmentKey(space, x)));
  });
});
