// The transformer choices reach the quantizer: QuantPost.quantize_act_matmul and quantize_embeddings
// map to the trial and to quantizeModel's options, the automatic mode makes act × act MatMuls a
// search dimension for a transformer only (rule 8), and the dynamic candidate takes int8 embeddings.
import { describe, expect, it } from 'vitest';
import { baseTrial } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';
import type { GraphAnalysis } from '../../../core/onnx/analysis';
import { quantizeOptionsFor } from '../../../core/quant/trial-options';
import { baseAssignment, enumerateSpace, toTrialConfig } from '../../../core/search/space';
import { planAutoCompress } from '../../../core/search/strategy';
import { resolveSpace } from '../../../workflows/ptq-search';

const analysis = (family: GraphAnalysis['family']) => ({
  opset: 17, producer: 'test', nodeCount: 10, opCensus: { MatMul: 6 }, paramCount: 1000, inputs: [], outputs: [],
  quantizableLayers: [{ node: 'q', opType: 'MatMul', weight: 'w', weightShape: [8, 8], params: 64, output: 'y' }],
  distillationNodes: [], family, familyReason: 'test', weightStorage: 'initializers',
}) as unknown as GraphAnalysis;

const config = (quantPost: Record<string, unknown> = {}) => parseJobConfig({
  Global: { model: '/m.onnx', inputs: { x: { shape: [2, 5, 8] } }, task: 'generic', calibration_data: { kind: 'npz', files: ['/c.npz'] } },
  QuantPost: quantPost,
  HyperParameterOptimization: { ptq_algo: ['abs_max', 'KL'], max_quant_count: 4 },
});

type Steps = Record<string, { with: Record<string, unknown> & { space?: Record<string, unknown>; ptq?: Record<string, unknown> } }>;
const planSteps = (c: ReturnType<typeof config>, family: GraphAnalysis['family'], actMatMulSearch = true) =>
  planAutoCompress(c, analysis(family), undefined, undefined, { dynamicCandidate: true, actMatMulSearch }).pipeline.steps as unknown as Steps;

describe('transformer quantization choices in the config and the search', () => {
  it('maps QuantPost.quantize_act_matmul and quantize_embeddings to the trial and the quantizer options', () => {
    const off = baseTrial(config());
    expect(off.actMatMul).toBeUndefined();
    expect(off.embeddings).toBeUndefined();
    expect(quantizeOptionsFor(off)).not.toHaveProperty('quantizeActMatMul');
    const on = baseTrial(config({ quantize_act_matmul: true, quantize_embeddings: true }));
    expect(on).toMatchObject({ actMatMul: true, embeddings: true });
    expect(quantizeOptionsFor(on)).toMatchObject({ quantizeActMatMul: true, quantizeEmbeddings: true });
  });

  it('searches act × act MatMuls float and integer for a transformer, not for other families or a fixed choice', () => {
    expect(planSteps(config(), 'transformer').search.with.space!.act_matmul).toEqual([false, true]);
    for (const family of ['cnn', 'detector', 'segmenter'] as const) expect(planSteps(config(), family).search.with.space).not.toHaveProperty('act_matmul');
    expect(planSteps(config({ quantize_act_matmul: false }), 'transformer').search.with.space).not.toHaveProperty('act_matmul');
    // Plans recorded before the rule (the workflow's own planning) do not get it.
    expect(planSteps(config(), 'transformer', false).search.with.space).not.toHaveProperty('act_matmul');
  });

  it('gives the search both values, each reaching the quantizer, with the tester at float', () => {
    const space = resolveSpace({ ptq_algo: ['abs_max'], act_matmul: [false, true] });
    const options = enumerateSpace(space).map((a) => quantizeOptionsFor(toTrialConfig(space, a)).quantizeActMatMul ?? false);
    expect(options.sort()).toEqual([false, true]);
    expect(baseAssignment(space).act_matmul).toBe(false);
    // A base trial that fixes it on is the tester's value.
    expect(baseAssignment(resolveSpace({ act_matmul: [false, true], base: { actMatMul: true } as never })).act_matmul).toBe(true);
  });

  it('gives the dynamic candidate int8 embeddings when the config asks for them', () => {
    const steps = planSteps(config({ quantize_embeddings: true }), 'transformer');
    expect(steps.dynamic.with.ptq).toMatchObject({ scheme: 'dynamic', embeddings: true });
    expect(planSteps(config(), 'transformer').dynamic.with.ptq).not.toHaveProperty('embeddings');
  });
});
