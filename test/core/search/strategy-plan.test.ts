import { describe, expect, it } from 'vitest';
import { parseJobConfig } from '../../../core/config/load';
import { analyzeModel } from '../../../core/onnx/analysis';
import { readModel } from '../../../core/onnx/model-io';
import { loadPipeline } from '../../../core/pipeline';
import { planAutoCompress } from '../../../core/search/strategy';
import { CLS_MODEL, DET_MODEL, ppocrModel } from '../../fixtures/models';

const config = (model: string) =>
  parseJobConfig({
    Global: { model, input_shape: [1, 3, 64, 64], calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 1 } },
  });

describe('the automatic strategy rule', () => {
  it('plans INT8 PTQ for the op types the model has, and says what it skipped and why', () => {
    const file = ppocrModel(DET_MODEL);
    const plan = planAutoCompress(config(file), analyzeModel(readModel(file)));
    expect(plan.strategy).toBe('ptq-int8');
    const cp = loadPipeline(plan.pipeline);
    // The detector has Conv and ConvTranspose but no MatMul or Gemm.
    const items = (cp.pipeline.steps.ptq.forEach!.items as Array<{ opTypes: string[] }>);
    expect(items[0].opTypes).toEqual(['Conv', 'ConvTranspose']);
    // autoCompress analysed the model itself: the generated pipeline has no analysis step.
    expect(cp.pipeline.steps.analyze).toBeUndefined();
    expect(plan.skipped.map((s) => s.strategy)).toContain('unstructured sparsity');
    expect(plan.skipped.every((s) => s.reason.length > 10)).toBe(true);
  });

  it('refuses a model with nothing to quantize', () => {
    const file = ppocrModel(CLS_MODEL);
    const analysis = analyzeModel(readModel(file));
    expect(() => planAutoCompress(config(file), { ...analysis, quantizableLayers: [] })).toThrow(/no quantizable layer/);
  });
});
