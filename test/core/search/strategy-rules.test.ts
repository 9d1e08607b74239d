import { describe, expect, it } from 'vitest';
import { parseJobConfig } from '../../../core/config/load';
import type { GraphAnalysis } from '../../../core/onnx/analysis';
import { loadPipeline } from '../../../core/pipeline';
import { closeDrop, fallbackLayers, planAutoCompress, rankStrategies, strategyLatency } from '../../../core/search/strategy';

const analysis = {
  opset: 11, producer: 'test', nodeCount: 10, opCensus: { Conv: 5 }, paramCount: 1000, inputs: [], outputs: [],
  quantizableLayers: [{ node: 'c1', opType: 'Conv', weight: 'w', weightShape: [8, 3, 3, 3], params: 216, output: 'y' }],
  distillationNodes: [], family: 'cnn', weightStorage: 'initializers',
} as unknown as GraphAnalysis;

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

  const sensitivity = ['c7', 'c2', 'c5', 'c1'].map((layer) => ({ layer }));
  const searchOf = (plan: ReturnType<typeof planAutoCompress>) => (plan.pipeline.steps.search as unknown as { with: Record<string, unknown> & { space: Record<string, unknown> } }).with;

  it('takes the float-fallback choices of the search from the measured sensitivity', () => {
    const hpo = { HyperParameterOptimization: { ptq_algo: ['abs_max', 'avg'] } };
    expect(searchOf(planAutoCompress(config(hpo), analysis, undefined, sensitivity)).space).toMatchObject({ keep_float: [0, 1, 2], sensitiveLayers: ['c7', 'c2'] });
    const wider = planAutoCompress(config({ HyperParameterOptimization: { ptq_algo: ['abs_max'], keep_float: [0, 3] } }), analysis, undefined, sensitivity);
    expect(searchOf(wider).space).toMatchObject({ keep_float: [0, 3], sensitiveLayers: ['c7', 'c2', 'c5'] });
    expect(fallbackLayers(config(hpo), sensitivity)).toEqual(['c7', 'c2']);
    // Without a sensitivity run the search keeps every layer quantized, and says so.
    const blind = planAutoCompress(config(hpo), analysis);
    expect(searchOf(blind).space).not.toHaveProperty('keep_float');
    expect(blind.skipped.find((s) => s.strategy === 'float fallbacks in the search')?.reason).toMatch(/not measured/);
  });

  it('says when no latency table was configured instead of pretending to have estimated', () => {
    const plan = planAutoCompress(config(), analysis, undefined, sensitivity);
    expect(plan.skipped.find((s) => s.strategy === 'latency-based strategy choice')?.reason).toMatch(/no latency table configured/);
    expect(plan.estimates.find((e) => e.strategy === 'int8')!.reason).toMatch(/not estimated \(no latency table\)/);
    // A static plan of a config that names a table does not claim there is none.
    const named = planAutoCompress(config({}, { latency_table: '/t.json' }), analysis);
    expect(named.skipped.find((s) => s.strategy === 'latency-based strategy choice')?.reason).toMatch(/not estimated in this plan .*\/t\.json/);
  });

  it('with predicted latencies: drops a float fallback too slow for the target from the search, and constrains every trial', () => {
    const latency = strategyLatency({ latencyMs: 10, method: 'predicted' }, {
      int8: { latencyMs: 4, method: 'predicted' }, 'int8-float-fallback': { latencyMs: 6, method: 'predicted' },
      'channel-prune-25-int8': { latencyMs: 3.5, method: 'predicted' }, 'channel-prune-50-int8': { latencyMs: 3, method: 'predicted' },
    });
    expect(latency).toMatchObject({ fp32Ms: 10, method: 'predicted', byStrategy: { int8: 4 } });
    const cfg = config({ HyperParameterOptimization: { ptq_algo: ['abs_max', 'avg'] } }, { target_speedup: 2, latency_table: '/t.json' });
    const plan = planAutoCompress(cfg, analysis, latency, sensitivity);
    const search = searchOf(plan);
    expect(search.space).not.toHaveProperty('keep_float');
    expect(search).toMatchObject({ latencyTable: '/t.json', latencyTargetMs: 5 });
    expect(plan.skipped.find((s) => s.strategy === 'INT8 PTQ with float fallbacks')?.reason).toMatch(/cannot reach the 2x target: 1.67x \(predicted\)/);
    expect(plan.skipped.some((s) => s.strategy === 'latency-based strategy choice')).toBe(false);
    expect(plan.estimates.map((e) => e.strategy).slice(0, 1)).toEqual(['int8']);
    // A fallback fast enough stays in the search.
    const easy = planAutoCompress(config({ HyperParameterOptimization: { ptq_algo: ['abs_max', 'avg'] } }, { target_speedup: 1.5, latency_table: '/t.json' }), analysis, latency, sensitivity);
    expect(searchOf(easy).space).toMatchObject({ keep_float: [0, 1, 2] });
    // One measured figure makes the whole set "measured".
    expect(strategyLatency({ latencyMs: 10, method: 'predicted' }, { int8: { latencyMs: 5, method: 'measured' } }).method).toBe('measured');
  });
});
