import { describe, expect, it } from 'vitest';
import { accuracyDrop, Candidate, selectBest, STAGES } from '../../../core/pipeline';

const ref = (id: string) => ({ uri: `file:///${id}`, sha256: id, bytes: 1, kind: 'model' as const });
const cand = (label: string, accuracy: number | null, agreement: number, latencyMs: number, sizeBytes = 100): Candidate =>
  ({ label, model: ref(label), accuracy, agreement, cosine: 1, latencyMs, sizeBytes });
const baseline = cand('fp32', 90, 100, 10, 400);

describe('selectBest', () => {
  it('picks the fastest candidate within tolerance (percentage points of accuracy)', () => {
    const r = selectBest({ candidates: [cand('a', 89.5, 99, 6), cand('b', 85, 95, 3), cand('c', 89.1, 99, 5)], baseline, tolerance: 1 });
    expect(r.best.label).toBe('c');
    expect(r.model).toEqual(ref('c'));
    expect(r.accuracyDrop).toBeCloseTo(0.9, 6);
  });

  it('falls back to the most accurate when none is within tolerance', () => {
    const r = selectBest({ candidates: [cand('a', 70, 90, 1), cand('b', 80, 90, 9)], baseline, tolerance: 1 });
    expect(r.best.label).toBe('b');
    expect(r.accuracyDrop).toBeCloseTo(10, 6);
  });

  it('uses agreement when accuracy is unknown, and can rank by size', () => {
    expect(accuracyDrop(cand('a', null, 97, 1), baseline)).toBeCloseTo(3, 6);
    expect(accuracyDrop(cand('a', 50, 99.5, 1))).toBeCloseTo(0.5, 6);
    const r = selectBest({ candidates: [cand('a', null, 99.5, 1, 300), cand('b', null, 99.2, 2, 200)], by: 'sizeBytes' });
    expect(r.best.label).toBe('b');
  });

  it('uses the task score when baseline and candidate both carry one, of the same metric', () => {
    const scored = (label: string, score: number, latencyMs: number, metric = 'box F1 vs teacher @IoU0.5'): Candidate => ({ ...cand(label, null, 40, latencyMs), score, metric });
    const base = scored('fp32', 100, 10);
    // Top-1 agreement (40) would reject both; the box F1 accepts the faster one within 1 point.
    expect(accuracyDrop(scored('a', 99.2, 3), base)).toBeCloseTo(0.8, 10);
    const r = selectBest({ candidates: [scored('a', 99.2, 3), scored('b', 97, 2), scored('c', 99.9, 5)], baseline: base, tolerance: 1 });
    expect(r.best.label).toBe('a');
    expect(r.accuracyDrop).toBeCloseTo(0.8, 10);
    // Scores of different metrics are not compared: the recorded rule (accuracy, else agreement) stands.
    expect(accuracyDrop(scored('d', 50, 1, 'top-1 accuracy'), base)).toBe(0);
    // A candidate without a score (recorded before task scores) keeps the old answer.
    expect(accuracyDrop(cand('e', 89, 99, 1), { ...baseline, score: 100, metric: 'top-1 accuracy' })).toBeCloseTo(1, 10);
  });

  it('rejects no candidates and an unknown ranking key', () => {
    expect(() => selectBest({ candidates: [] })).toThrow(/no candidates/);
    expect(() => selectBest({ candidates: [cand('a', 100, 100, 1)], by: 'cosine' })).toThrow(/latencyMs or sizeBytes/);
  });

  it('is wired into the catalog as a builtin', () => {
    const out = STAGES.selectBest.evaluate!({ candidates: [cand('a', 90, 100, 2)], baseline, tolerance: 1 });
    expect(out).toMatchObject({ best: { label: 'a' }, accuracyDrop: 0 });
  });
});
