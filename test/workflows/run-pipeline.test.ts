// runPipeline on a real Temporal dev server with fixture activities: the engine is under test.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineProgress } from '../../core/pipeline';
import { progressQuery, runPipeline, RunPipelineInput } from '../../workflows/run-pipeline';
import { CallRecord, createFixtureActivities, fakeRef } from './fixture-activities';
import { startTestWorker } from './temporal-env';

const workflowsPath = path.resolve(__dirname, '../../workflows/run-pipeline.ts');
const taskQueue = `test-run-pipeline-${randomUUID().slice(0, 8)}`;
const fixtures = createFixtureActivities();
let client: Client;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ client, stop } = await startTestWorker({ taskQueue, activities: fixtures.activities, workflowsPath }));
});

afterAll(async () => { await stop?.(); });

const start = (input: RunPipelineInput) =>
  client.workflow.start(runPipeline, { taskQueue, workflowId: `run-pipeline-${randomUUID()}`, args: [input] });
const callsOf = (workflowId: string) => fixtures.calls.filter((c) => c.workflowId === workflowId);
// Every call in the group started before any of them ended: they ran at the same time.
const overlapped = (group: CallRecord[]) => Math.max(...group.map((c) => c.start)) < Math.min(...group.map((c) => c.end!));

const grid = (calibrators: string[]) => ({
  name: 'grid',
  inputs: { model: 'model', calib: 'dataset', eval: 'dataset', tolerance: { type: 'number', default: 1 } },
  steps: {
    teacher: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' } },
    baseline: { stage: 'validateCandidate', with: { model: '${{ inputs.model }}', teacher: '${{ steps.teacher.teacher }}', eval: '${{ inputs.eval }}', label: 'fp32' } },
    ptq: {
      stage: 'ptqTrial', forEach: { matrix: { calibrator: calibrators, perChannel: [true] } },
      with: { model: '${{ inputs.model }}', calib: '${{ inputs.calib }}', ptq: '${{ item }}' },
    },
    check: {
      stage: 'validateCandidate', forEach: { items: '${{ steps.ptq.model }}' },
      with: { model: '${{ item }}', teacher: '${{ steps.teacher.teacher }}', eval: '${{ inputs.eval }}', label: '${{ item.sha256 }}' },
    },
    best: { stage: 'selectBest', with: { candidates: '${{ steps.check.candidate }}', baseline: '${{ steps.baseline.candidate }}', tolerance: '${{ inputs.tolerance }}' } },
    tooLossy: { stage: 'estimateLatency', when: '${{ steps.best.accuracyDrop > inputs.tolerance }}', with: { model: '${{ steps.best.model }}' } },
    latency: { stage: 'estimateLatency', when: '${{ steps.best.accuracyDrop <= inputs.tolerance }}', with: { model: '${{ steps.best.model }}' } },
  },
  outputs: { best: '${{ steps.best.best.label }}', drop: '${{ steps.best.accuracyDrop }}', ms: '${{ steps.latency.latencyMs }}' },
});
const jobInputs = { model: '/models/src.onnx', calib: { dir: 'calib' }, eval: { dir: 'eval' } };

describe('runPipeline workflow', () => {
  it('runs fan-out and conditions, every ready step in parallel', async () => {
    const handle = await start({ pipeline: grid(['abs_max', 'avg', 'percentile']), inputs: jobInputs });
    const result = await handle.result();
    const calls = callsOf(handle.workflowId);

    // The path input was imported first, then used as an ArtifactRef everywhere.
    expect(calls[0]).toMatchObject({ stage: 'importModel', key: 'inputs.model', input: { path: '/models/src.onnx' } });
    expect(calls.filter((c) => c.stage === 'ptqTrial').every((c) => (c.input as { model: unknown }).model !== undefined)).toBe(true);
    const byKey = Object.fromEntries(calls.map((c) => [c.key, c]));
    expect(Object.keys(byKey).sort()).toEqual([
      'baseline', 'check[0]', 'check[1]', 'check[2]', 'inputs.model', 'latency', 'ptq[0]', 'ptq[1]', 'ptq[2]', 'teacher',
    ]);
    expect(overlapped([byKey.teacher, byKey['ptq[0]'], byKey['ptq[1]'], byKey['ptq[2]']])).toBe(true);
    expect(overlapped([byKey['check[0]'], byKey['check[1]'], byKey['check[2]']])).toBe(true);

    // q-percentile: 0.7 points lost, 3 ms — the fastest within 1 point (q-avg is faster but loses 10).
    expect(result.outputs).toEqual({ best: 'q-percentile', drop: expect.closeTo(0.7, 6), ms: 3 });
    expect(result.steps.tooLossy).toEqual({ status: 'skipped', reason: 'when is false: ${{ steps.best.accuracyDrop > inputs.tolerance }}' });
    expect(result.steps.latency.status).toBe('succeeded');
    expect(result.steps.check.result!.accuracy).toEqual([89.5, 80, 89.3]);
    expect(await handle.query(progressQuery)).toMatchObject({ stage: 'done', percent: 100, best: { label: 'q-percentile' } });
    // The recorded history replays without nondeterminism: no finished step would run again.
    await Worker.runReplayHistory({ workflowsPath }, await handle.fetchHistory(), handle.workflowId);
  });

  it('fails the workflow once, naming the failed step', async () => {
    const handle = await start({ pipeline: grid(['abs_max', 'boom']), inputs: { ...jobInputs, model: fakeRef('src') } });
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('STEP_FAILED');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('step "ptq[1]" failed: ptqTrial:');
    expect(cause.message).toContain('calibrator exploded');
    expect(cause.details).toEqual([{ stepId: 'ptq', key: 'ptq[1]' }]);
    const calls = callsOf(handle.workflowId);
    expect(calls.filter((c) => c.key === 'ptq[1]')).toHaveLength(1);
    expect(calls.some((c) => c.stage === 'importModel' || c.key.startsWith('check'))).toBe(false);
    const progress = await handle.query(progressQuery);
    expect(progress.steps.ptq.status).toBe('failed');
  });

  it('answers the progress query mid-run', async () => {
    const open = fixtures.gate('q-avg');
    const handle = await start({ pipeline: grid(['abs_max', 'avg']), inputs: { ...jobInputs, model: fakeRef('src') } });
    let progress: PipelineProgress | undefined;
    for (let i = 0; i < 100; i++) {
      progress = await handle.query(progressQuery);
      if (progress.steps.check?.done === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      expect(progress).toMatchObject({
        stage: 'check (validateCandidate)',
        steps: {
          teacher: { status: 'succeeded' }, baseline: { status: 'succeeded' }, ptq: { status: 'succeeded', done: 2, total: 2 },
          check: { status: 'running', done: 1, total: 2 }, best: { status: 'pending' },
        },
        // Before selectBest runs, the best so far is the most accurate candidate seen: fp32 itself.
        best: { label: 'fp32', accuracy: 90, agreement: 100, latencyMs: 10 },
      });
      expect(progress!.percent).toBeGreaterThan(30);
      expect(progress!.percent).toBeLessThan(100);
    } finally {
      open();
    }
    const result = await handle.result();
    expect(result.outputs.best).toBe('q-abs_max');
  });

  it('rejects an invalid pipeline before any step runs, listing every problem', async () => {
    const good = grid(['abs_max']);
    const bad = {
      ...good,
      steps: {
        ...good.steps,
        check: { ...good.steps.check, with: { ...good.steps.check.with, model: '${{ steps.ptq.model }}' } },
        qat: { stage: 'trainEpoch', with: { model: '${{ steps.best.model }}', teacher: '${{ steps.teacher.teacher }}', trainData: '${{ inputs.calib }}' } },
      },
    };
    const handle = await start({ pipeline: bad, inputs: jobInputs });
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('INVALID_PIPELINE');
    expect(cause.message).toContain('input model of validateCandidate expects a model, got a list<model>');
    expect(cause.message).toContain('stage trainEpoch has no input "trainData"');
    // The misnamed port is both unknown and leaves the required "train" missing.
    expect((cause.details?.[0] as { errors: unknown[] }).errors).toHaveLength(3);
    expect(callsOf(handle.workflowId)).toEqual([]);
  });

  it('runs a bounded repeat one iteration after another', async () => {
    const pipeline = {
      name: 'repeat',
      inputs: { model: 'model' },
      steps: {
        lat: {
          stage: 'estimateLatency', repeat: { max: 3, until: '${{ previous.latencyMs < 1 }}' },
          with: { model: '${{ inputs.model }}', threads: '${{ iteration + 1 }}' },
        },
      },
      outputs: { ms: '${{ steps.lat.latencyMs }}' },
    };
    const handle = await start({ pipeline, inputs: { model: fakeRef('src') } });
    expect((await handle.result()).outputs).toEqual({ ms: 10 });
    const calls = callsOf(handle.workflowId);
    expect(calls.map((c) => [c.key, (c.input as { threads: number }).threads])).toEqual([['lat#0', 1], ['lat#1', 2], ['lat#2', 3]]);
    expect(calls[1].start).toBeGreaterThanOrEqual(calls[0].end!);
  });

  it('runs an example pipeline given as YAML text', async () => {
    const yaml = fs.readFileSync(path.resolve(__dirname, '../../configs/pipelines/ptq-grid.yaml'), 'utf8');
    const handle = await start({ pipeline: yaml, inputs: { ...jobInputs, model: fakeRef('src'), tolerance: 0.5 } });
    const result = await handle.result();
    // Only abs_max (0.5 points) stays within 0.5 points of fp32.
    expect(result.outputs).toMatchObject({ best: { label: 'int8-0', accuracy: 89.5 }, model: fakeRef('q-abs_max') });
    expect(callsOf(handle.workflowId).filter((c) => c.stage === 'ptqTrial')).toHaveLength(4);
  });
});
