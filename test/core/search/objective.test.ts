import { describe, expect, it } from 'vitest';
import { selectBest } from '../../../core/pipeline/select-best';
import type { Candidate } from '../../../core/pipeline/types';
import { objectiveOf, valueCeiling } from '../../../core/search/objective';
import { compileConfig } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';

const unlabeled = { accuracy: null, agreement: 99, cosine: 99.5, emd: 0.04, latencyMs: 10 };

describe('label-free objectives', () => {
  it('scores by agreement by default, by cosine or by 100·(1 − EMD) when chosen', () => {
    expect(objectiveOf(unlabeled).value).toBeCloseTo(99 + 0.0995, 9);
    expect(objectiveOf(unlabeled, { objective: 'cosine' }).value).toBe(99.5);
    expect(objectiveOf(unlabeled, { objective: 'emd' }).value).toBeCloseTo(96, 9);
    // The reported score and the tolerance check stay on agreement, whatever the surrogate maximises.
    expect(objectiveOf(unlabeled, { objective: 'emd', tolerance: 0.5 })).toMatchObject({ score: 99, drop: 1, feasible: false });
  });

  it('ranks a candidate closer in EMD higher even when top-1 agreement ties', () => {
    const far = { ...unlabeled, emd: 0.2 };
    expect(objectiveOf(unlabeled, { objective: 'emd' }).value).toBeGreaterThan(objectiveOf(far, { objective: 'emd' }).value);
    expect(objectiveOf(unlabeled).value).toBe(objectiveOf(far).value);
  });

  it('leaves labeled candidates on the task metric', () => {
    expect(objectiveOf({ ...unlabeled, accuracy: 97 }, { objective: 'emd' }).value).toBeCloseTo(97 + 0.0995, 9);
  });

  it('is chosen in the HyperParameterOptimization section and reaches the search step', () => {
    const config = (objective?: string) => parseJobConfig({
      Global: { model: '/m.onnx', input_shape: [8, 3, 48, 192], calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 1 } },
      HyperParameterOptimization: { ptq_algo: ['abs_max', 'avg'], ...(objective ? { objective } : {}) },
    });
    const search = (objective?: string) => (compileConfig(config(objective)).steps.search as { with: Record<string, unknown> }).with;
    expect(search('emd').objective).toBe('emd');
    expect(search().objective).toBe('agreement');
    expect(search('emd').space).not.toHaveProperty('objective');
    expect(() => config('kl')).toThrow(/objective/);
  });
});

describe('the task metric (taskScore)', () => {
  // An embedding trial as the MiniLM encoder gave it: top-1 agreement of the embedding's argmax is
  // meaningless (82.8), its task metric, the mean cosine to the teacher, is 99.26.
  const ref = { uri: 'slimflow:models/x.onnx', sha256: 'x', bytes: 1, kind: 'model' as const };
  const baseline: Candidate = { label: 'fp32', model: ref, accuracy: null, agreement: 100, cosine: 100, score: 100, metric: 'mean cosine', latencyMs: 500, sizeBytes: 1 };
  const kl: Candidate = { ...baseline, label: 'int8 KL', agreement: 82.8, cosine: 99.26, score: 99.26, latencyMs: 210 };

  it('accepts and scores a trial by its task metric, with the drop selectBest computes', () => {
    const o = objectiveOf(kl, { baseline, tolerance: 1, taskScore: true });
    expect(o.drop).toBeCloseTo(0.74, 9);
    expect(o.feasible).toBe(true);
    expect(o.score).toBe(99.26);
    expect(o.value).toBeCloseTo(99.26 + 0.09926, 9);
    expect(selectBest({ candidates: [kl], baseline, tolerance: 1 }).accuracyDrop).toBeCloseTo(o.drop, 12);
    // Searches recorded before it judged the same trial by agreement: 17.2 points off.
    expect(objectiveOf(kl, { baseline, tolerance: 1 })).toMatchObject({ feasible: false });
    expect(objectiveOf(kl, { baseline, tolerance: 1 }).drop).toBeCloseTo(17.2, 9);
  });

  it('keeps an explicit label-free objective as the value, and falls back without a score', () => {
    expect(objectiveOf(kl, { baseline, objective: 'cosine', taskScore: true }).value).toBe(99.26);
    const { score: _s, metric: _m, ...old } = kl;
    expect(objectiveOf(old, { baseline, taskScore: true })).toEqual(objectiveOf(old, { baseline }));
    expect(valueCeiling(kl, undefined, true)).toBeCloseTo(100.1, 9);
  });
});
