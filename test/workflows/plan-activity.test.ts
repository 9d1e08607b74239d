// The planCompression activity: its result is data the history can hold (the pipeline survives the
// payload converter and compiles to the same pipeline as the in-process plan), it plans with the
// rules new jobs run (grid as a search, the trained contest), and a plan that cannot run fails once.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { createPlanActivities } from '../../activities/plan-compression';
import { parseJobConfig } from '../../core/config/load';
import { analyzeModel } from '../../core/onnx/analysis';
import { readModel } from '../../core/onnx/model-io';
import { loadPipeline } from '../../core/pipeline';
import type { AutoPlan } from '../../core/search/strategy';
import { CLS_MODEL, ppocrModel } from '../fixtures/models';

const file = ppocrModel(CLS_MODEL);
const analysis = analyzeModel(readModel(file));
const config = (deploy: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => parseJobConfig({
  Global: { model: file, input_shape: [1, 3, 48, 192], calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 1 }, deploy },
  ...extra,
});
const { planCompression } = createPlanActivities();

describe('the planCompression activity', () => {
  it('returns a plan that crosses the payload converter intact and compiles to the same pipeline', async () => {
    const cfg = config({}, { HyperParameterOptimization: { ptq_algo: ['abs_max', 'hist'], strategy: 'grid', max_quant_count: 4 }, QuantAware: {}, TrainConfig: { epochs: 1 } });
    const plan = await planCompression({ config: cfg, analysis, sensitivity: [{ layer: 'conv1' }] });
    // What the workflow receives is what the history holds: the converter's round trip.
    const received = defaultPayloadConverter.fromPayload<AutoPlan>(defaultPayloadConverter.toPayload(plan));
    expect(received.strategy).toBe('ptq-int8-search');
    expect(received.skipped).toEqual(plan.skipped);
    expect(received.estimates).toEqual(plan.estimates);
    const there = loadPipeline(received.pipeline).pipeline;
    const here = loadPipeline(plan.pipeline).pipeline;
    expect(Object.keys(there.steps).sort()).toEqual(Object.keys(here.steps).sort());
    for (const [id, step] of Object.entries(here.steps)) expect(there.steps[id], id).toEqual(step);
    // New jobs' rules: the grid runs as a search (with placement a dimension) and the trained student competes.
    expect(there.steps.search.stage).toBe('ptqSearch');
    expect((there.steps.search.with as { space: { placement?: string[] } }).space.placement).toEqual(expect.arrayContaining(['integer-path', 'conv-only']));
    expect(there.steps.final).toBeDefined();
  });

  it('gives a transformer the dynamic-quantization candidate (a rule the in-workflow plan took only behind its patch)', async () => {
    // The graph the plan reads is the analysis: a transformer's is the classifier's with its family changed.
    const plan = await planCompression({ config: config(), analysis: { ...analysis, family: 'transformer' } });
    expect((plan.pipeline.steps as Record<string, { stage: string }>).dynamic?.stage).toBe('ptqTrial');
    const cnn = await planCompression({ config: config(), analysis });
    expect(Object.keys(cnn.pipeline.steps)).not.toContain('dynamic');
  });

  it('fails once, non-retryably, naming the key, when no strategy can reach the target', async () => {
    const latency = { fp32Ms: 10, byStrategy: { int8: 8 }, method: 'predicted' as const };
    const err = await planCompression({ config: config({ target_speedup: 3, latency_table: '/t.json' }), analysis, latency }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).type).toBe('NOT_SUPPORTED');
    expect((err as ApplicationFailure).message).toMatch(/INT8 cannot reach the 3x target/);
    expect((err as ApplicationFailure).details).toEqual([{ code: 'NOT_SUPPORTED', path: 'Global.deploy.target_speedup' }]);
  });
});
