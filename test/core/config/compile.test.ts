import { describe, expect, it } from 'vitest';
import { getCalibrator } from '../../../core/quant/calibrators';
import { trialParam } from '../../../core/components/ptq-params';
import { effectiveConfig } from '../../../core/search/strategy';
import type { GraphAnalysis } from '../../../core/onnx/analysis';
import { compileConfig, ptqTrials, trialLabel } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';
import { loadPipeline } from '../../../core/pipeline';
import { SlimflowError } from '../../../core/errors';
import { quantizeOptionsFor } from '../../../core/quant/trial-options';

const base = {
  Global: {
    model: '/m.onnx',
    input_shape: [8, 3, 48, 192],
    calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 },
  },
};

describe('compiling a job config into a pipeline', () => {
  it('gives a valid pipeline: teacher, baseline, PTQ fan-out, validation, rewritten FP32, side-by-side timing, selection, publish', () => {
    const doc = compileConfig(parseJobConfig({ ...base, QuantPost: { algo: 'abs_max' } }));
    const cp = loadPipeline(doc);
    expect(Object.keys(cp.pipeline.steps)).toEqual(['analyze', 'teacher', 'baseline', 'ptq', 'candidates', 'rewritten', 'rewrittenCheck', 'timing', 'best', 'int8', 'publish']);
    // Selection waits for the side-by-side timing of every candidate, which waits for all of them.
    expect(cp.deps.best).toEqual(['timing']);
    expect(cp.deps.timing).toEqual(expect.arrayContaining(['candidates', 'baseline', 'rewrittenCheck']));
    // Without an eval set, the calibration set doubles as the evaluation set.
    expect(cp.pipeline.steps.baseline.with.eval).toBe('${{ inputs.calib }}');
  });

  it('expands HyperParameterOptimization as a grid capped by max_quant_count', () => {
    const config = parseJobConfig({
      ...base,
      QuantPost: { qdq_placement: 'conv-only' },
      HyperParameterOptimization: { ptq_algo: ['abs_max', 'hist'], weight_quantize_type: ['channel_wise_abs_max', 'abs_max'], hist_percent: [0.999, 0.9999], max_quant_count: 5 },
    });
    const trials = ptqTrials(config);
    // abs_max × 2 weight types + hist × 2 weight types × 2 percentiles = 6, capped at 5.
    expect(trials).toHaveLength(5);
    expect(trials.filter((t) => t.calibrator === 'hist').every((t) => t.histPercent !== undefined)).toBe(true);
    expect(trials.filter((t) => t.calibrator === 'abs_max').every((t) => !('histPercent' in t))).toBe(true);
    expect(trialLabel(trials[1])).toBe('int8 abs_max per-tensor conv-only');
  });

  it("tries every Q/DQ placement when the config leaves it to slimflow ('auto')", () => {
    const trials = ptqTrials(parseJobConfig({ ...base, QuantPost: { algo: 'abs_max' } }));
    expect(trials.map((t) => t.placement)).toEqual(['integer-path', 'conv-only', 'integer-wide']);
    expect(ptqTrials(parseJobConfig({ ...base, QuantPost: { qdq_placement: 'integer-path' } })).map((t) => t.placement)).toEqual(['integer-path']);
  });

  it("makes TensorRT-preset trials (deploy_backend: tensorrt) without placement variants, and labels them", () => {
    const trials = ptqTrials(parseJobConfig({ ...base, QuantPost: { algo: 'KL', deploy_backend: 'tensorrt' } }));
    expect(trials).toHaveLength(1);
    expect(trials[0]).toMatchObject({ calibrator: 'KL', backend: 'tensorrt' });
    expect(trials[0].placement).toBeUndefined();
    expect(trialLabel(trials[0])).toContain('tensorrt');
    expect(quantizeOptionsFor(trials[0])).toMatchObject({ backend: 'tensorrt' });
    expect(ptqTrials(parseJobConfig({ ...base, QuantPost: { algo: 'KL' } })).every((t) => t.backend === undefined)).toBe(true);
  });

  it('compiles a training section into trainStrategy, run only when the best INT8 candidate misses the tolerance', () => {
    const config = parseJobConfig({ ...base, QuantAware: { weight_bits: 4 }, TrainConfig: { epochs: 2, learning_rate: 5e-5 }, Distillation: { loss: 'soft_label' } });
    const doc = compileConfig(config);
    const train = (doc.steps as unknown as Record<string, { stage: string; when?: string; with: { config: Record<string, unknown> } }>).train;
    expect(train.stage).toBe('trainStrategy');
    expect(train.when).toContain('steps.int8.accuracyDrop > inputs.tolerance');
    expect(train.with.config).toMatchObject({ epochs: 2, samples: 16, strategy: { kind: 'qat', params: { weightBits: 4 } }, schedule: { kind: 'constant', lr: 5e-5 }, distill: { loss: 'soft_label' } });
    expect(() => loadPipeline(doc)).not.toThrow();
    for (const [section, value, kind] of [['ChannelPrune', { pruned_ratio: 0.3 }, 'channel-prune'], ['ASPPrune', {}, 'semi-structured-2of4'], ['UnstructurePrune', { ratio: 0.75 }, 'unstructured']] as const) {
      const d = compileConfig(parseJobConfig({ ...base, [section]: value }));
      expect((d.steps as unknown as Record<string, { with: { config: { strategy: { kind: string } } } }>).train.with.config.strategy.kind).toBe(kind);
    }
  });

  it('chains channel pruning then QAT: the second training starts from the pruned student and is skipped with it', () => {
    const doc = compileConfig(parseJobConfig({ ...base, ChannelPrune: { pruned_ratio: 0.3, criterion: 'geometry_median' }, QuantAware: { weight_bits: 4 } }));
    type Step = { stage: string; when?: string; with: { model: string; config: { strategy: { kind: string; params?: Record<string, unknown> } } } };
    const steps = doc.steps as unknown as Record<string, Step>;
    expect(steps.train.with.config.strategy).toEqual({ kind: 'channel-prune', params: { ratio: 0.3, criterion: 'geometric_median' } });
    expect(steps.train.when).toContain('steps.int8.accuracyDrop > inputs.tolerance');
    expect(steps.train.with.model).toBe('${{ inputs.model }}');
    expect(steps.train2.stage).toBe('trainStrategy');
    expect(steps.train2.with.config.strategy).toEqual({ kind: 'qat', params: { weightBits: 4 } });
    expect(steps.train2.with.model).toBe('${{ steps.train.model }}');
    // No condition of its own: a skipped pruning skips it (skips propagate).
    expect(steps.train2.when).toBeUndefined();
    expect(doc.outputs?.trained).toBe('${{ steps.train2.candidate }}');
    // The last trained student is written next to the chosen model, as trained.onnx.
    expect((doc.steps as unknown as Record<string, { stage: string; with: Record<string, unknown> }>).publishTrained).toEqual({
      stage: 'publishModel', with: { model: '${{ steps.train2.model }}', outputDir: '${{ inputs.outputDir }}', file: 'trained.onnx' },
    });
    expect(doc.outputs?.trainedPath).toBe('${{ steps.publishTrained.path }}');
    // Then it competes with the PTQ pick for model.onnx, after the first publish (test/workflows/trained-contest.test.ts runs it).
    const cp = loadPipeline(doc);
    expect(cp.deps.trainedTiming).toEqual(expect.arrayContaining(['timing', 'best', 'train2']));
    expect(cp.deps.publishFinal).toEqual(expect.arrayContaining(['final', 'publish']));
    expect(doc.outputs?.final).toBe('${{ steps.final.best }}');
    // Histories recorded before the contest replay without it (autoCompress's 'trained-contest' patch).
    const old = compileConfig(parseJobConfig({ ...base, ChannelPrune: { pruned_ratio: 0.3 }, QuantAware: {} }), 'compress', { trainedContest: false });
    expect(Object.keys(old.steps).filter((k) => ['trainedTiming', 'final', 'publishFinal'].includes(k))).toEqual([]);
    expect(old.outputs).not.toHaveProperty('final');
    expect(old.steps).toHaveProperty('publishTrained');
    const l1 = compileConfig(parseJobConfig({ ...base, ChannelPrune: { pruned_ratio: 0.3 } }));
    expect((l1.steps as unknown as Record<string, Step>).train.with.config.strategy.params).toMatchObject({ criterion: 'l1' });
  });

  it('refuses training options that are not built yet, naming the key', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ UnstructurePrune: { ratio: 0.75 }, QuantAware: {} }, 'UnstructurePrune'],
      [{ ChannelPrune: { pruned_ratio: 0.3 }, ASPPrune: {} }, 'ASPPrune'],
      [{ QuantAware: { use_pact: true } }, 'QuantAware.use_pact'],
      [{ UnstructurePrune: { prune_mode: 'threshold' } }, 'UnstructurePrune.prune_mode'],
      [{ ChannelPrune: { pruned_ratio: 0.3, prune_params_name: ['conv1'] } }, 'ChannelPrune.prune_params_name'],
      [{ Distillation: { alpha: 0.5 }, TrainConfig: {} }, 'Distillation.alpha'],
    ];
    for (const [extra, key] of cases) {
      let err: unknown;
      try { compileConfig(parseJobConfig({ ...base, ...extra })); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(SlimflowError);
      expect((err as SlimflowError).code).toBe('NOT_SUPPORTED');
      expect((err as Error).message).toMatch(/not supported yet/);
      expect((err as SlimflowError).path).toBe(key);
    }
  });
});

describe('keys that were accepted and ignored', () => {
  const base = { Global: { model: '/m.onnx', input_name: 'x', input_shape: [8, 3, 48, 192], task: 'ocr-cls', calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 } } };
  const trainParams = (extra: Record<string, unknown>) =>
    ((compileConfig(parseJobConfig({ ...base, ...extra })).steps as unknown as Record<string, { with: { config: { strategy: { params: Record<string, unknown> } } } }>).train.with.config.strategy.params);

  it('prune_strategy gmp (the default) ramps sparsity over half the training; base prunes at once', () => {
    expect(trainParams({ UnstructurePrune: {} })).toEqual({ ratio: 0.75, rampShare: 0.5 });
    expect(trainParams({ UnstructurePrune: { prune_strategy: 'gmp' } })).toEqual({ ratio: 0.75, rampShare: 0.5 });
    expect(trainParams({ UnstructurePrune: { prune_strategy: 'base' } })).toEqual({ ratio: 0.75 });
  });

  it('ConvTranspose is quantized by default with or without a QuantPost section', () => {
    const ops = (extra: Record<string, unknown>) => (compileConfig(parseJobConfig({ ...base, ...extra })).steps as unknown as { ptq: { forEach: { items: { opTypes: string[] }[] } } }).ptq.forEach.items[0].opTypes;
    expect(ops({})).toContain('ConvTranspose');
    expect(ops({ QuantPost: {} })).toEqual(ops({}));
    expect(ops({ QuantPost: { quantize_op_types: ['Conv'] } })).toEqual(['Conv']);
  });

  it("onnxruntime's and INC's calibrator names read as slimflow's (case ignored); an unknown one names its key", () => {
    const algo = (a: string) => parseJobConfig({ ...base, QuantPost: { algo: a } }).QuantPost!.algo;
    expect([algo('minmax'), algo('MinMax'), algo('entropy'), algo('kl'), algo('percentile'), algo('mse'), algo('abs_max')]).toEqual(['abs_max', 'abs_max', 'KL', 'KL', 'hist', 'mse', 'abs_max']);
    expect(parseJobConfig({ ...base, HyperParameterOptimization: { ptq_algo: ['minmax', 'percentile'] } }).HyperParameterOptimization!.ptq_algo).toEqual(['abs_max', 'hist']);
    expect(() => parseJobConfig({ ...base, QuantPost: { algo: 'distribution' } })).toThrow(/^invalid config: QuantPost\.algo: unknown calibrator "distribution"; known calibrators: abs_max, avg, hist, KL, mse, emd/);
    expect(() => parseJobConfig({ ...base, HyperParameterOptimization: { ptq_algo: ['abs_max', 'nope'] } })).toThrow(/HyperParameterOptimization\.ptq_algo\[1\]: unknown calibrator "nope"/);
  });
});

describe('defaults that agree wherever they are read', () => {
  const base = { Global: { model: '/m.onnx', input_name: 'x', input_shape: [8, 3, 48, 192], task: 'ocr-cls', calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 } } };

  it('hist_percent: the calibrator, the search space and the grid use one default', () => {
    const calibratorDefault = (getCalibrator('hist').paramsSchema.parse({}) as { hist_percent: number }).hist_percent;
    expect(trialParam('hist_percent')!.default).toBe(calibratorDefault);
    const grid = ptqTrials(parseJobConfig({ ...base, HyperParameterOptimization: { ptq_algo: ['hist'], strategy: 'grid' } }));
    expect(grid.map((t) => t.histPercent)).toEqual(grid.map(() => calibratorDefault));
  });

  it('the automatic mode quantizes the op types the schema defaults to, with or without QuantPost', () => {
    const analysis = { quantizableLayers: ['Conv', 'ConvTranspose', 'MatMul', 'Gemm'].map((opType) => ({ opType })) } as unknown as GraphAnalysis;
    const ops = (extra: Record<string, unknown>) => effectiveConfig(parseJobConfig({ ...base, ...extra }), analysis).QuantPost!.quantize_op_types;
    expect(ops({})).toEqual(ops({ QuantPost: {} }));
    expect(ops({ QuantPost: {} })).toEqual(parseJobConfig({ ...base, QuantPost: {} }).QuantPost!.quantize_op_types);
  });
});

describe('strategy: grid reads the whole HyperParameterOptimization section', () => {
  const base = { Global: { model: '/m.onnx', input_name: 'x', input_shape: [8, 3, 48, 192], task: 'ocr-cls', calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 } } };
  const search = (hpo: Record<string, unknown>) =>
    (compileConfig(parseJobConfig({ ...base, HyperParameterOptimization: { strategy: 'grid', ...hpo } })).steps as unknown as { search: { with: { space: Record<string, unknown>; objective: string; strategy: string } } }).search.with;

  it('activation_symmetric, keep_float and objective reach the grid search', () => {
    expect(search({}).strategy).toBe('grid');
    const w = search({ activation_symmetric: [false, true], keep_float: [0, 2], objective: 'cosine' });
    expect(w.space).toMatchObject({ activation_symmetric: [false, true], keep_float: [0, 2] });
    expect(w.objective).toBe('cosine');
    expect(search({}).space).not.toHaveProperty('activation_symmetric');
  });
});
