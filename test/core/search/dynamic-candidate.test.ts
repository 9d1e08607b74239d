import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPtqActivities } from '../../../activities/ptq-trial';
import { LocalArtifactStore } from '../../../core/artifacts/store';
import { parseJobConfig } from '../../../core/config/load';
import type { GraphAnalysis } from '../../../core/onnx/analysis';
import { decodeModel, encodeModel } from '../../../core/onnx/model-io';
import { loadPipeline, STAGES } from '../../../core/pipeline';
import { planAutoCompress } from '../../../core/search/strategy';
import { optimizedNodes } from '../../../core/runtime/kernels';
import { attentionBlock } from '../../fixtures/export-styles';

const analysis = (family: GraphAnalysis['family']) => ({
  opset: 17, producer: 'test', nodeCount: 10, opCensus: { MatMul: 6 }, paramCount: 1000, inputs: [], outputs: [],
  quantizableLayers: [{ node: 'q', opType: 'MatMul', weight: 'w', weightShape: [8, 8], params: 64, output: 'y' }],
  distillationNodes: [], family, familyReason: 'test', weightStorage: 'initializers',
}) as unknown as GraphAnalysis;

const config = (extra: Record<string, unknown> = {}) => parseJobConfig({
  Global: { model: '/m.onnx', inputs: { x: { shape: [2, 5, 8] } }, task: 'generic', calibration_data: { kind: 'npz', files: ['/c.npz'] } },
  ...extra,
});

describe('rule 7: transformers get a dynamic-quantization candidate', () => {
  for (const search of [false, true]) {
    it(`adds it beside the static trials to what the side-by-side timing compares (${search ? 'search' : 'grid of QuantPost'})`, () => {
      const hpo = search ? { HyperParameterOptimization: { ptq_algo: ['abs_max', 'KL'], max_quant_count: 4 } } : {};
      const plan = planAutoCompress(config(hpo), analysis('transformer'), undefined, undefined, { dynamicCandidate: true });
      const steps = plan.pipeline.steps as Record<string, { stage: string; with: Record<string, unknown> }>;
      expect(steps.dynamic.stage).toBe('ptqTrial');
      expect(steps.dynamic.with.ptq).toMatchObject({ scheme: 'dynamic' });
      expect(steps.dynamicCheck.stage).toBe('validateCandidate');
      expect(steps.withDynamic.with.first).toBe(search ? '${{ steps.search.trials }}' : '${{ steps.candidates.candidate }}');
      expect(steps.timing.with.candidates).toBe('${{ steps.withDynamic.all }}');
      // The pipeline validates: ports and references type-check.
      expect(() => loadPipeline(plan.pipeline)).not.toThrow();
    });
  }

  it('leaves CNNs, detectors and histories recorded before the rule unchanged', () => {
    for (const [family, opt] of [['cnn', true], ['detector', true], ['transformer', false]] as const) {
      const steps = planAutoCompress(config(), analysis(family), undefined, undefined, { dynamicCandidate: opt }).pipeline.steps;
      expect(Object.keys(steps)).not.toContain('dynamic');
    }
  });

  it('joins candidate lists in order', () => {
    expect(STAGES.joinCandidates.evaluate!({ first: [1, 2], second: [3] })).toEqual({ all: [1, 2, 3] });
    expect(STAGES.joinCandidates.evaluate!({ first: [1] })).toEqual({ all: [1] });
  });
});

describe('a dynamic ptqTrial', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-dynamic-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('needs no calibration data and gives a model whose weight MatMuls run onnxruntime\'s integer kernels', async () => {
    const store = new LocalArtifactStore(path.join(dir, 'store'));
    const { model } = attentionBlock({ opset: 17, weights: 'initializers' });
    const ref = await store.put(encodeModel(model), 'model', 'onnx');
    const { ptqTrial } = createPtqActivities({ store, threads: 1 } as never);
    // A calibration set that does not exist: a dynamic trial never opens it.
    const trial = await ptqTrial({
      model: ref, calib: { kind: 'npz', files: [path.join(dir, 'missing.npz')] },
      ptq: { scheme: 'dynamic', calibrator: 'abs_max', perChannel: true, opTypes: ['Conv', 'MatMul', 'Gemm'] },
      input: { inputs: { x: [2, 5, 8], attention_mask: [2, 5] }, threads: 1, task: 'generic' },
    });
    expect(trial.label).toBe('int8 dynamic per-channel');
    expect(trial.calibration.quantizedNodes).toBe(4);
    const ops = (await optimizedNodes(encodeModel(decodeModel(await store.read(trial.model))))).map((n) => n.opType);
    expect(ops.filter((o) => o === 'DynamicQuantizeMatMul' || o === 'MatMulIntegerToFloat')).toHaveLength(4);
  });
});
