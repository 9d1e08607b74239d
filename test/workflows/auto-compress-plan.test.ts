// autoCompress gets its pipeline from the planCompression activity (the real one here; the other
// stages are fixtures): a plan that cannot run fails the job once, non-retryably, with the plan's own
// error (no strategy reaches the target), unwrapped from the activity failure.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlanActivities, PlanCompressionInput } from '../../activities/plan-compression';
import { parseJobConfig } from '../../core/config/load';
import type { GraphAnalysis } from '../../core/onnx/analysis';
import { WORKFLOWS_PATH } from '../../workers/start-worker';
import { createFixtureActivities } from './fixture-activities';
import { startTestWorker } from './temporal-env';

const taskQueue = `test-auto-plan-${randomUUID().slice(0, 8)}`;
const fixtures = createFixtureActivities(20);
const planned: PlanCompressionInput[] = [];
const { planCompression } = createPlanActivities();
// The fixtures estimate FP32 and its INT8 variant at 7 ms each: 1.00x, short of a 3x target.
const config = parseJobConfig({
  Global: {
    model: '/m.onnx', input_shape: [1, 3, 48, 192], calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 1 },
    deploy: { target_speedup: 3, latency_table: '/t.json' },
  },
});
const analysis = { family: 'cnn', quantizableLayers: [{ node: 'c1', opType: 'Conv', weight: 'w', weightShape: [8, 3, 3, 3], params: 216, output: 'y' }] } as unknown as GraphAnalysis;

let client: Client;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ client, stop } = await startTestWorker({
    taskQueue, workflowsPath: WORKFLOWS_PATH,
    activities: {
      ...fixtures.activities,
      prepareJob: async () => ({ config }),
      analyzeGraph: async () => ({ analysis }),
      planCompression: async (input: PlanCompressionInput) => { planned.push(input); return planCompression(input); },
    },
  }));
});
afterAll(async () => { await stop?.(); });

describe('autoCompress plans in an activity', () => {
  it('fails once with the plan\'s own error when no strategy can reach the target', async () => {
    const err = await client.workflow.execute('autoCompress', { taskQueue, workflowId: `auto-plan-${randomUUID()}`, args: [{ config: {} }] })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('NOT_SUPPORTED');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(/^no strategy that slimflow can run reaches the target: INT8 cannot reach the 3x target: 1\.00x/);
    // One attempt, given the measured latencies and the sensitivity the job gathered first.
    expect(planned).toHaveLength(1);
    expect(planned[0].latency).toMatchObject({ fp32Ms: 7, byStrategy: { int8: 7 } });
    expect(planned[0].sensitivity?.[0]).toMatchObject({ layer: 'conv1' });
  });
});
