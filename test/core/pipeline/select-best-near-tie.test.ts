// The near-tie rule: candidates within tolerance whose side-by-side latencies are within the
// measured noise of the fastest are ranked by a fixed order (drop, size, label), whatever order
// they come in; beyond the noise the faster wins; without measured noise the old rule stands.
import { describe, expect, it } from 'vitest';
import { Candidate, NEAR_TIE_RULE, selectBest } from '../../../core/pipeline';
import { formatReport, buildReport } from '../../../core/report/report';
import { renderReportHtml } from '../../../core/report/html';

const ref = (id: string) => ({ uri: `file:///${id}`, sha256: id, bytes: 1, kind: 'model' as const });
const cand = (label: string, score: number, latencyMs: number, noise: number | undefined, sizeBytes = 100): Candidate => ({
  label, model: ref(label), accuracy: null, agreement: 99, cosine: 1, score, metric: 'top-1 accuracy', latencyMs, sizeBytes,
  ...(noise !== undefined ? { latencyNoiseMs: noise } : {}),
});
const baseline = cand('fp32', 90, 10, 0.3, 400);

/** Every order of a list (the lists here are short). */
function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('selectBest near-tie rule', () => {
  it('a tie within the noise margin goes to the smaller drop, in every input order', () => {
    // a is fastest by 0.05 ms, b is 0.5 points more accurate; the noise (0.2 ms) cannot tell them apart.
    const list = [cand('a', 89.0, 6.47, 0.2), cand('b', 89.5, 6.52, 0.15), cand('c', 89.9, 9, 0.2), cand('x', 80, 3, 0.1)];
    for (const order of permutations(list)) {
      const r = selectBest({ candidates: order, baseline, tolerance: 1 });
      expect(r.best.label).toBe('b');
      expect(r.best.selection).toEqual({
        rule: NEAR_TIE_RULE, fastest: 'a', chosen: 'b', marginMs: 0.2, runnerUp: 'b', gapMs: expect.closeTo(0.05, 10), contenders: ['b', 'a'], decided: true,
      });
      expect(r.accuracyDrop).toBeCloseTo(0.5, 10);
    }
  });

  it('equal drops fall to the smaller model, then the label', () => {
    const bySize = [cand('a', 89.5, 5.0, 0.3, 200), cand('b', 89.5, 5.1, 0.3, 150)];
    const byLabel = [cand('q', 89.5, 5.0, 0.3), cand('p', 89.5, 5.2, 0.3)];
    for (const order of permutations(bySize)) expect(selectBest({ candidates: order, baseline }).best.label).toBe('b');
    for (const order of permutations(byLabel)) expect(selectBest({ candidates: order, baseline }).best.label).toBe('p');
  });

  it('outside the margin the faster wins, and the record says latency decided', () => {
    // The incident's figures: 6.47 vs 7.12 ms, with 0.1 ms of measured noise, are no tie.
    const list = [cand('slow', 89.9, 7.12, 0.1), cand('fast', 89.0, 6.47, 0.1)];
    for (const order of permutations(list)) {
      const r = selectBest({ candidates: order, baseline, tolerance: 1 });
      expect(r.best.label).toBe('fast');
      expect(r.best.selection).toMatchObject({ fastest: 'fast', chosen: 'fast', contenders: ['fast'], decided: false, runnerUp: 'slow', marginMs: 0.1 });
      expect(r.best.selection!.gapMs).toBeCloseTo(0.65, 10);
    }
  });

  it('the margin is the larger noise of the pair: a noisy runner-up ties, a quiet one does not', () => {
    expect(selectBest({ candidates: [cand('a', 89, 5, 0.05), cand('b', 89.5, 5.3, 0.4)], baseline }).best.label).toBe('b');
    expect(selectBest({ candidates: [cand('a', 89, 5, 0.05), cand('b', 89.5, 5.3, 0.1)], baseline }).best.label).toBe('a');
  });

  it('ties only among candidates within tolerance; a lone one is reported with its own noise', () => {
    // b and c are as fast as a within noise but 3 and 5 points off: outside tolerance, never contenders.
    const r = selectBest({ candidates: [cand('b', 87, 4.95, 0.3), cand('a', 89.5, 5, 0.3), cand('c', 85, 5.0, 0.3)], baseline, tolerance: 1 });
    expect(r.best.label).toBe('a');
    expect(r.best.selection).toMatchObject({ fastest: 'a', contenders: ['a'], decided: false, marginMs: 0.3 });
    expect(r.best.selection!.runnerUp).toBeUndefined();
  });

  it('without measured noise on every contender the old rule stands: fastest, ties keep list order, no record', () => {
    const old = [cand('a', 89.0, 6.47, undefined), cand('b', 89.5, 6.52, 0.2)];
    const r = selectBest({ candidates: old, baseline, tolerance: 1 });
    expect(r.best.label).toBe('a');
    expect(r.best.selection).toBeUndefined();
    const tied = [cand('z', 89, 5, undefined), cand('y', 89.5, 5, undefined)];
    expect(selectBest({ candidates: tied, baseline }).best.label).toBe('z');
    expect(selectBest({ candidates: [...tied].reverse(), baseline }).best.label).toBe('y');
    // Ranking by size is exact: no noise, no rule.
    expect(selectBest({ candidates: [cand('a', 89, 5, 0.3, 200), cand('b', 89, 5, 0.3, 100)], baseline, by: 'sizeBytes' }).best.selection).toBeUndefined();
  });

  it('the CLI summary and the report page state the rule, the margin and whether it decided', () => {
    const pick = (candidates: Candidate[]) => {
      const best = selectBest({ candidates, baseline }).best;
      return buildReport({
        model: 'm.onnx', task: 'ocr-cls', threads: 1, inputShape: [1], baseline, best, bestPath: '/o/model.onnx', candidates, skipped: [], maxAccuracyDrop: 1, targetSpeedup: 1,
      });
    };
    const tie = pick([cand('a', 89.0, 6.47, 0.2), cand('b', 89.5, 6.52, 0.15)]);
    expect(tie.best.selection?.decided).toBe(true);
    const text = formatReport(tie);
    expect(text).toContain('near-tie: b, a within the measured noise of the fastest (a; noise margin 0.200 ms), so the rule chose b');
    expect(text).toContain(NEAR_TIE_RULE);
    expect(renderReportHtml(tie)).toMatch(/<p id="near-tie">near-tie: b, a within .*noise margin 0\.200 ms/);
    const clear = formatReport(pick([cand('a', 89.0, 6.47, 0.1), cand('b', 89.5, 7.12, 0.1)]));
    expect(clear).toContain('near-tie rule not needed: latency decided (the runner-up b was 0.650 ms slower, beyond the noise margin 0.100 ms)');
  });
});
