import { describe, expect, it } from 'vitest';
import { objectiveOf } from '../../../core/search/objective';
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
