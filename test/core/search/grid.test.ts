// HyperParameterOptimization.strategy: grid runs as the same searcher over every dimension of the
// space (activation_symmetric, keep_float, placement) scored by the configured objective; and
// hist_percent has one default, the calibrator's, in the search, the compiled grid and the calibrator.
import { describe, expect, it } from 'vitest';
import { compileConfig, ptqTrials } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';
import type { GraphAnalysis } from '../../../core/onnx/analysis';
import { loadPipeline } from '../../../core/pipeline';
import { histCalibrator } from '../../../core/quant/calibrators/hist';
import { trialParam } from '../../../core/components/ptq-params';
import { Searcher } from '../../../core/search/searcher';
import { assignmentKey, enumerateSpace, spaceSize, toTrialConfig } from '../../../core/search/space';
import { planAutoCompress } from '../../../core/search/strategy';
import { PtqSearchSpaceInput, resolveSpace } from '../../../workflows/ptq-search';

const analysis = {
  opset: 11, producer: 'test', nodeCount: 10, opCensus: { Conv: 5 }, paramCount: 1000, inputs: [], outputs: [],
  quantizableLayers: ['c1', 'c2', 'c3'].map((node) => ({ node, opType: 'Conv', weight: `${node}.w`, weightShape: [8, 3, 3, 3], params: 216, output: `${node}.y` })),
  distillationNodes: [], family: 'cnn', weightStorage: 'initializers',
} as unknown as GraphAnalysis;

const config = (hpo: Record<string, unknown>, quantPost: Record<string, unknown> = {}) => parseJobConfig({
  Global: { model: '/m.onnx', input_shape: [8, 3, 48, 192], calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 1 } },
  QuantPost: quantPost,
  HyperParameterOptimization: hpo,
});

type SearchWith = { strategy: string; objective: string; budget: number; space: PtqSearchSpaceInput };
const searchOf = (doc: ReturnType<typeof compileConfig>) => (doc.steps.search as unknown as { with: SearchWith } | undefined)?.with;

describe('strategy: grid', () => {
  const hpo = { ptq_algo: ['abs_max', 'KL'], activation_symmetric: [false, true], objective: 'cosine', strategy: 'grid', max_quant_count: 50 };

  it('compiles to the searcher with every dimension and the objective, not to a fan-out that drops them', () => {
    const doc = compileConfig(config(hpo));
    expect(doc.steps.ptq).toBeUndefined();
    const w = searchOf(doc)!;
    expect(w).toMatchObject({ strategy: 'grid', objective: 'cosine', budget: 50 });
    const space = resolveSpace(w.space);
    // 2 calibrators × 2 symmetries × 3 placements (qdq_placement: auto).
    expect(spaceSize(space)).toBe(12);
    const trials = enumerateSpace(space).map((a) => toTrialConfig(space, a));
    expect(new Set(trials.map((t) => `${t.calibrator}/${t.symmetric}/${t.placement}`)).size).toBe(12);
    expect(new Set(trials.map((t) => t.symmetric))).toEqual(new Set([false, true]));
    expect(new Set(trials.map((t) => t.placement))).toEqual(new Set(['integer-path', 'conv-only', 'integer-wide']));
  });

  it('walks the whole grid, each point once, when the budget allows', () => {
    const space = resolveSpace(searchOf(compileConfig(config(hpo)))!.space);
    const s = new Searcher(space, { seed: 0, budget: 50, batchSize: 3, strategy: 'grid', cover: ['ptq_algo', 'placement'] });
    while (!s.shouldStop()) s.record(s.suggest().map((a) => ({ key: assignmentKey(space, a), assignment: a, value: 1, feasible: true })));
    expect(s.shouldStop()).toBe('space exhausted');
    expect(new Set(s.history.map((o) => o.key))).toEqual(new Set(enumerateSpace(space).map((a) => assignmentKey(space, a))));
  });

  it('gets the float fallbacks the automatic mode measured, like the other strategies', () => {
    const plan = planAutoCompress(config({ ...hpo, keep_float: [0, 2] }), analysis, undefined, [{ layer: 'c2' }, { layer: 'c1' }, { layer: 'c3' }]);
    const w = loadPipeline(plan.pipeline).pipeline.steps.search.with as unknown as SearchWith;
    expect(w.space).toMatchObject({ keep_float: [0, 2], sensitiveLayers: ['c2', 'c1'] });
    const space = resolveSpace(w.space);
    expect(enumerateSpace(space).some((a) => toTrialConfig(space, a).skipNodes.join() === 'c2,c1')).toBe(true);
  });

  it('a fixed qdq_placement goes into every trial; TensorRT fixes its own', () => {
    const fixed = resolveSpace(searchOf(compileConfig(config(hpo, { qdq_placement: 'conv-only' })))!.space);
    expect(enumerateSpace(fixed).every((a) => toTrialConfig(fixed, a).placement === 'conv-only')).toBe(true);
    const trt = resolveSpace(searchOf(compileConfig(config(hpo, { deploy_backend: 'tensorrt' })))!.space);
    expect(enumerateSpace(trt).every((a) => toTrialConfig(trt, a).placement === undefined)).toBe(true);
  });

  it('compiles to the fan-out of before for jobs recorded before it (gridSearch: false)', () => {
    const doc = compileConfig(config(hpo), 'compress', { gridSearch: false });
    expect(doc.steps.search).toBeUndefined();
    expect(doc.steps.ptq).toBeDefined();
    // Without grid search, a surrogate search has no placement dimension either, as recorded searches had.
    expect(searchOf(compileConfig(config({ ...hpo, strategy: 'surrogate' }), 'compress', { gridSearch: false }))!.space.placement).toBeUndefined();
  });
});

describe('hist_percent default', () => {
  it('is the calibrator’s own in the search space and in the compiled grid', () => {
    const declared = trialParam('hist_percent')!.default;
    expect((histCalibrator.paramsSchema.parse({}) as { hist_percent: number }).hist_percent).toBe(declared);
    const grid = ptqTrials(config({ ptq_algo: ['hist'], strategy: 'grid' }, { qdq_placement: 'conv-only' }));
    expect(grid.map((t) => t.histPercent)).toEqual([declared]);
  });
});
