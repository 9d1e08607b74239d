import { describe, expect, it } from 'vitest';
import { parseJobConfig } from '../../../core/config/load';
import type { GraphAnalysis } from '../../../core/onnx/analysis';
import { loadPipeline } from '../../../core/pipeline';
import { closeDrop, planAutoCompress, rankStrategies } from '../../../core/search/strategy';

const analysis = {
  opset: 11, producer: 'test', nodeCount: 10, opCensus: { Conv: 5 }, paramCount: 1000, inputs: [], outputs: [],
  quantizableLayers: [{ node: 'c1', opType: 'Conv', weight: 'w', weightShape: [8, 3, 3, 3], params: 216, output: 'y' }],
  distillationNodes: [], family: 'cnn', weightStorage: 'initializers',
} as GraphAnalysis;

const config = (extra: Record<string, unknown> = {}, deploy: Record<string, unknown> = {}) =>
  parseJobConfig({
    Global: { model: '/m.onnx', input_shape: [8, 3, 48, 192], calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 1 }, deploy },
    ...extra,
  });

describe('strategy rules', () => {
  it('runs INT8 first and skips training strategies and kernel-less sparsity, without a latency table', () => {
    const e = rankStrategies(0);
    expect(e.filter((x) => x.decision === 'run').map((x) => x.strategy)).toEqual(['int8', 'int8-float-fallback']);
    expect(e.find((x) => x.strategy === 'sparse-2:4')).toMatchObject({ speedup: 1, decision: 'skip' });
    expect(e.find((x) => x.strategy === 'channel-prune-50-int8')!.reason).toMatch(/needs training/);
  });

  it('drops candidates whose predicted speedup misses the target and orders the rest fastest first', () => {
    const latency = { fp32Ms: 10, method: 'predicted' as const, byStrategy: { int8: 5, 'int8-float-fallback': 6, 'channel-prune-25-int8': 4, 'channel-prune-50-int8': 3, 'sparse-2:4': 10, 'sparse-unstructured': 10 } };
    const e = rankStrategies(1.8, latency);
    expect(e.find((x) => x.strategy === 'int8-float-fallback')).toMatchObject({ decision: 'skip', speedup: 10 / 6 });
    expect(e.find((x) => x.strategy === 'int8-float-fallback')!.reason).toMatch(/cannot reach the 1.8x target: 1.67x \(predicted\)/);
    expect(e[0]).toMatchObject({ strategy: 'int8', decision: 'run', speedup: 2 });
    // Skipped ones follow, fastest first: pruned 50% before 25%.
    expect(e.slice(1, 3).map((x) => x.strategy)).toEqual(['channel-prune-50-int8', 'channel-prune-25-int8']);
  });

  it('refuses when not even INT8 can reach the speed target', () => {
    const latency = { fp32Ms: 10, method: 'predicted' as const, byStrategy: { int8: 8 } };
    expect(() => planAutoCompress(config({}, { target_speedup: 3 }), analysis, latency)).toThrow(/INT8 cannot reach the 3x target/);
  });

  it('plans a search with a tester when the config has HyperParameterOptimization', () => {
    const plan = planAutoCompress(config({ HyperParameterOptimization: { ptq_algo: ['abs_max', 'hist'] } }, { max_accuracy_drop: 0.5 }), analysis);
    expect(plan.strategy).toBe('ptq-int8-search');
    const cp = loadPipeline(plan.pipeline);
    expect(cp.pipeline.steps.search.with.tester).toEqual({ closeDrop: closeDrop(0.5) });
    expect(closeDrop(0.5)).toBe(2.5);
    expect(cp.pipeline.steps.search.needs).toEqual([]);
    expect(plan.skipped.map((s) => s.strategy)).toContain('2:4 sparsity');
    // Without HPO the single QuantPost trial runs as before.
    expect(planAutoCompress(config(), analysis).strategy).toBe('ptq-int8');
  });
});
