// The near-tie rule: candidates within tolerance whose side-by-side latencies are within the
// measured noise of the fastest (twice the standard error of the difference) are ranked by a fixed
// order (drop, size, label), whatever order they come in; beyond it the faster wins; without
// measured noise the old rule stands. And the noise itself: load shared by a round divides out.
import { describe, expect, it } from 'vitest';
import { Candidate, NEAR_TIE_RULE, selectBest } from '../../../core/pipeline';
import { formatReport, buildReport } from '../../../core/report/report';
import { renderReportHtml } from '../../../core/report/html';
import { latencyNoise } from '../../../core/runtime/compare-latency';

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
    // a is fastest by 0.05 ms, b is 0.5 points more accurate; the margin (2·√(0.12² + 0.16²) = 0.4 ms) cannot tell them apart.
    const list = [cand('a', 89.0, 6.47, 0.12), cand('b', 89.5, 6.52, 0.16), cand('c', 89.9, 9, 0.2), cand('x', 80, 3, 0.1)];
    for (const order of permutations(list)) {
      const r = selectBest({ candidates: order, baseline, tolerance: 1 });
      expect(r.best.label).toBe('b');
      expect(r.best.selection).toEqual({
        rule: NEAR_TIE_RULE, fastest: 'a', chosen: 'b', marginMs: expect.closeTo(0.4, 10), runnerUp: 'b', gapMs: expect.closeTo(0.05, 10), contenders: ['b', 'a'], decided: true,
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
    // The incident's figures: 6.47 vs 7.12 ms, with standard errors 0.09 and 0.12 ms (margin 0.3 ms), are no tie.
    const list = [cand('slow', 89.9, 7.12, 0.12), cand('fast', 89.0, 6.47, 0.09)];
    for (const order of permutations(list)) {
      const r = selectBest({ candidates: order, baseline, tolerance: 1 });
      expect(r.best.label).toBe('fast');
      expect(r.best.selection).toMatchObject({ fastest: 'fast', chosen: 'fast', contenders: ['fast'], decided: false, runnerUp: 'slow' });
      expect(r.best.selection!.marginMs).toBeCloseTo(0.3, 10);
      expect(r.best.selection!.gapMs).toBeCloseTo(0.65, 10);
    }
  });

  it('the margin combines both noises: a noisy pair ties, a quiet one does not', () => {
    // 0.25 ms apart: margin 2·√(0.09² + 0.12²) = 0.3 ms ties them; 2·√(0.03² + 0.04²) = 0.1 ms does not.
    expect(selectBest({ candidates: [cand('a', 89, 5, 0.09), cand('b', 89.5, 5.25, 0.12)], baseline }).best.label).toBe('b');
    expect(selectBest({ candidates: [cand('a', 89, 5, 0.03), cand('b', 89.5, 5.25, 0.04)], baseline }).best.label).toBe('a');
  });

  it('ties only among candidates within tolerance; a lone one is reported without a runner-up', () => {
    // b and c are as fast as a within noise but 3 and 5 points off: outside tolerance, never contenders.
    const r = selectBest({ candidates: [cand('b', 87, 4.95, 0.3), cand('a', 89.5, 5, 0.3), cand('c', 85, 5.0, 0.3)], baseline, tolerance: 1 });
    expect(r.best.label).toBe('a');
    expect(r.best.selection).toMatchObject({ fastest: 'a', contenders: ['a'], decided: false });
    expect(r.best.selection!.runnerUp).toBeUndefined();
    expect(r.best.selection!.marginMs).toBeUndefined();
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
    const tie = pick([cand('a', 89.0, 6.47, 0.12), cand('b', 89.5, 6.52, 0.16)]);
    expect(tie.best.selection?.decided).toBe(true);
    const text = formatReport(tie);
    expect(text).toContain('near-tie: b, a within the measured noise of the fastest (a; the runner-up 0.050 ms slower, noise margin 0.400 ms), so the rule chose b');
    expect(text).toContain(NEAR_TIE_RULE);
    expect(renderReportHtml(tie)).toMatch(/<p id="near-tie">near-tie: b, a within .*noise margin 0\.400 ms/);
    const clear = formatReport(pick([cand('a', 89.0, 6.47, 0.09), cand('b', 89.5, 7.12, 0.12)]));
    expect(clear).toContain('near-tie rule not needed: latency decided (the runner-up b was 0.650 ms slower, beyond the noise margin 0.300 ms)');
  });
});

describe('latencyNoise', () => {
  // 30 rounds of three models; every round's load multiplies all three alike.
  const load = Array.from({ length: 30 }, (_, r) => 1 + 0.5 * ((r * 7) % 10) / 10);
  const jitter = (r: number) => (((r * 13) % 7) - 3) * 0.01;

  it('divides out the load a round shares: a model that only moves with the yardstick has no noise of its own', () => {
    const [first, same, own] = latencyNoise([load.map((l) => 10 * l), load.map((l) => 5 * l), load.map((l, r) => 5 * l * (1 + jitter(r)))]);
    // The yardstick's own figure is its plain spread (the load varies it by up to 45 %).
    expect(first).toBeGreaterThan(0.3);
    expect(same).toBeCloseTo(0, 10);
    // Its own 1–3 % jitter, and only that: far below what the load would give.
    expect(own).toBeGreaterThan(0);
    expect(own).toBeLessThan(first / 10);
  });

  it('is the standard error of a median: 1.4826 · 1.2533 · MAD / √rounds for the yardstick', () => {
    const xs = Array.from({ length: 25 }, (_, r) => 10 + (r % 5) - 2); // MAD 1
    expect(latencyNoise([xs])[0]).toBeCloseTo((1.4826 * 1.2533) / 5, 10);
  });
});
