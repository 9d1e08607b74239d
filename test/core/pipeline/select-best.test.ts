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

  it('rejects no candidates and an unknown ranking key', () => {
    expect(() => selectBest({ candidates: [] })).toThrow(/no candidates/);
    expect(() => selectBest({ candidates: [cand('a', 100, 100, 1)], by: 'cosine' })).toThrow(/latencyMs or sizeBytes/);
  });

  it('is wired into the catalog as a builtin', () => {
    const out = STAGES.selectBest.evaluate!({ candidates: [cand('a', 90, 100, 2)], baseline, tolerance: 1 });
    expect(out).toMatchObject({ best: { label: 'a' }, accuracyDrop: 0 });
  });
});
