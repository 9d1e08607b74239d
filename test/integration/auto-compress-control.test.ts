// pause / resume / stop sent to an autoCompress job reach the ptqSearch or trainStrategy child it is
// running: the search holds its trials while paused, goes on after resume, and stop ends it with its
// best so far, which the job then reports. A pause or stop sent before the search started holds from
// its start (the search's start input carries it).
// Training holds between epochs and stops with the best epoch so far.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { PtqTrialConfig } from '../../core/config/compile';
import type { JobReport } from '../../core/report/report';
import type { PipelineProgress } from '../../core/pipeline';
import type { PtqSearchProgress, PtqSearchResult } from '../../workflows/ptq-search';
import type { TrainProgress, TrainStrategyResult } from '../../workflows/train-strategy';
import { clsJob, Harness, startHarness, tmpDir } from './harness';
import { allRuns, recordHistories, sleep, waitFor } from './search-support';
import { testTemporal } from './setup/server';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('auto-control');
});
afterAll(async () => {
  await h?.stop();
});

// A search that runs past its tester on any CPU, by construction (whatever each trial scores): the
// search spends its budget of 12 unless a stop rule holds (core/search/stopping), and none can here —
// - the space (4 calibrators, hist at 2 percentiles, 2 weight types, 3 float fallbacks, 2 placements:
//   60 configurations) is larger than the budget;
// - "beyond PTQ" needs the closest trial to lose more than closeDrop(100) = 300 points, and no drop
//   exceeds 100;
// - "no trial can beat the best" needs every untried configuration to build the best's graph, and
//   12 trials cannot try the other 11 of its 12 graph shapes (weight type × fallback × placement) first.
// The tolerance of 100 points keeps every trial feasible; the training test below sets its own, zero.
const searchingJob = (out: string, maxAccuracyDrop = 100) =>
  clsJob(out, { eval_data: { kind: 'rendered-textlines', task: 'cls', count: 128, seed: 13 }, calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 11 }, deploy: { threads: 1, max_accuracy_drop: maxAccuracyDrop } }, {
    QuantPost: { algo: 'abs_max', weight_quantize_type: 'abs_max', batch_size: 8, batch_num: 2 },
    HyperParameterOptimization: { ptq_algo: ['abs_max', 'avg', 'hist', 'mse'], weight_quantize_type: ['channel_wise_abs_max', 'abs_max'], hist_percent: [0.999, 0.9999], batch_num: [2], max_quant_count: 12, strategy: 'random' },
  });

const searchOf = async (h: Harness, jobId: string) => (await h.client.workflow.getHandle(`${jobId}/search`).query<PtqSearchProgress>('progress'));

// Fail at once, naming why, when the search ended on its own: then a wait for "paused" could only time out.
async function waitForSearch(jobId: string, what: string, check: (p: PtqSearchProgress) => boolean, timeoutMs = 180_000): Promise<PtqSearchProgress> {
  const t0 = Date.now();
  let last: PtqSearchProgress | undefined;
  while (Date.now() - t0 < timeoutMs) {
    // Until the child exists, the query fails: keep polling.
    last = await searchOf(h, jobId).catch(() => undefined);
    if (last && check(last)) return last;
    if (last?.search.stoppedBy) throw new Error(`the search ended (${last.search.stoppedBy}, ${last.search.trials} trials) before ${what}`);
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}; last progress ${JSON.stringify(last)}`);
}

// Paused means paused: the trial count stays put for a while.
async function expectHeld(jobId: string, trials: number): Promise<void> {
  await sleep(2500);
  const p = await searchOf(h, jobId);
  expect(p.search.trials).toBe(trials);
  expect(p.stage).toBe('paused');
}

async function stopAndCheck(job: WorkflowHandle, jobId: string, budget: number): Promise<PtqSearchResult> {
  await job.signal('stop');
  const report = (await job.result()) as JobReport;
  const search = (await h.client.workflow.getHandle(`${jobId}/search`).result()) as PtqSearchResult;
  expect(search.stoppedBy).toBe(`stopped by signal (${search.trialsRun} of ${budget} trials run)`);
  expect(search.trialsRun).toBeLessThan(budget);
  // The report says why the search ended.
  expect(report.searchStoppedBy).toBe(search.stoppedBy);
  // The job finished with what the search had: its best trial is among the report's candidates.
  expect(report.candidates.map((c) => c.model.sha256)).toContain(search.best.model.sha256);
  expect(fs.existsSync(report.best.modelPath)).toBe(true);
  return search;
}

describe('autoCompress passes control signals on to its search', () => {
  it('pause, resume and stop sent to the job reach the running ptqSearch child', async () => {
    const out = tmpDir('auto-control');
    const jobId = `auto-control-${path.basename(out)}`;
    const job = await h.client.workflow.start('autoCompress', { taskQueue: h.taskQueue, workflowId: jobId, args: [{ config: searchingJob(out) }] });
    // Past the tester: the search proper is running.
    await waitForSearch(jobId, 'the search past its tester', (p) => p.search.trials >= 1 && p.stage.startsWith('ptqTrial'));

    await job.signal('pause');
    const paused = await waitForSearch(jobId, 'the search to pause', (p) => p.search.paused && p.stage === 'paused');
    await expectHeld(jobId, paused.search.trials);

    await job.signal('resume');
    await waitForSearch(jobId, 'a trial after resuming', (p) => !p.search.paused && p.search.trials > paused.search.trials);

    const search = await stopAndCheck(job, jobId, 12);
    // The batch after the tester (abs_max) covered the other calibrators, and the other placement.
    const [tester, ...covering] = search.trials.slice(0, 5).map((t) => t.config as PtqTrialConfig);
    expect(tester).toMatchObject({ calibrator: 'abs_max', placement: 'integer-path' });
    expect(covering.map((c) => c.calibrator)).toEqual(['hist', 'mse', 'avg', 'abs_max']);
    expect(covering[3].placement).toBe('conv-only');
  }, 600_000);

  it('a pause sent before the search started holds the search when it starts', async () => {
    const out = tmpDir('auto-control-early');
    const jobId = `auto-control-early-${path.basename(out)}`;
    const job = await h.client.workflow.start('autoCompress', { taskQueue: h.taskQueue, workflowId: jobId, args: [{ config: searchingJob(out) }] });
    // While the FP32 baseline is validated, the search (which needs it) has not started.
    await waitFor('the baseline step', async () => (await job.query<PipelineProgress>('progress')).steps.baseline?.status === 'running');
    expect((await job.query<PipelineProgress>('progress')).steps.search?.status).not.toBe('running');
    await job.signal('pause');

    const paused = await waitForSearch(jobId, 'the search to start paused', (p) => p.search.paused && p.stage === 'paused');
    await expectHeld(jobId, paused.search.trials);

    await job.signal('resume');
    await waitForSearch(jobId, 'a trial after resuming', (p) => !p.search.paused && p.search.trials > paused.search.trials);
    await stopAndCheck(job, jobId, 12);
  }, 600_000);

  it('a stop sent before the search started ends the search after its first batch (the tester), by the signal', async () => {
    const out = tmpDir('auto-control-stop');
    const jobId = `auto-control-stop-${path.basename(out)}`;
    const job = await h.client.workflow.start('autoCompress', { taskQueue: h.taskQueue, workflowId: jobId, args: [{ config: searchingJob(out) }] });
    await waitFor('the baseline step', async () => (await job.query<PipelineProgress>('progress')).steps.baseline?.status === 'running');
    expect((await job.query<PipelineProgress>('progress')).steps.search?.status).not.toBe('running');
    await job.signal('stop');
    const report = (await job.result()) as JobReport;
    const search = (await h.client.workflow.getHandle(`${jobId}/search`).result()) as PtqSearchResult;
    // The stop is in the search's start input, read before its first batch: however late a forwarded
    // signal would arrive, the search runs its tester alone and stops (a stop keeps a best, so one batch runs).
    expect(search.stoppedBy).toBe('stopped by signal (1 of 12 trials run)');
    expect(search.trialsRun).toBe(1);
    expect(report.searchStoppedBy).toBe(search.stoppedBy);
    expect(report.candidates.map((c) => c.model.sha256)).toContain(search.best.model.sha256);
    // This job plans in the planCompression activity and starts its child with the control state: test/replay replays it.
    await recordHistories('auto-stop-before-search', jobId, await allRuns(h.client, jobId), testTemporal(), { keepWorkflowId: true });
    await recordHistories('auto-stop-before-search-child', `${jobId}/search`, await allRuns(h.client, `${jobId}/search`), testTemporal());
  }, 600_000);

  it('pause, resume and stop sent to the job reach the running trainStrategy child', async () => {
    const out = tmpDir('auto-control-train');
    const jobId = `auto-control-train-${path.basename(out)}`;
    // No search, and a PTQ that clips activations at their 60th percentile: INT8 misses the zero budget, so QAT training runs.
    const { HyperParameterOptimization: _search, ...config } = searchingJob(out, 0) as Record<string, unknown>;
    const QuantPost = { algo: 'hist', hist_percent: 0.6, weight_quantize_type: 'abs_max', batch_size: 8, batch_num: 2, qdq_placement: 'integer-path' };
    const job = await h.client.workflow.start('autoCompress', {
      taskQueue: h.taskQueue, workflowId: jobId, args: [{ config: { ...config, QuantPost, QuantAware: {}, TrainConfig: { epochs: 6 } } }],
    });
    const train = h.client.workflow.getHandle(`${jobId}/train`);
    const progressOf = async () => {
      const p = await train.query<TrainProgress>('progress').catch(() => undefined);
      if (p?.status === 'done') throw new Error(`training ended (${p.stoppedBy}) too early for this test`);
      if (!p && (await job.query<PipelineProgress>('progress')).steps.train?.status === 'skipped') throw new Error('the train step was skipped: INT8 met the tolerance');
      if (!p && (await job.describe()).status.name !== 'RUNNING') await job.result();
      return p;
    };
    const until = async (what: string, check: (p: TrainProgress) => boolean) => {
      for (const t0 = Date.now(); Date.now() - t0 < 300_000; await sleep(250)) {
        const p = await progressOf();
        if (p && check(p)) return p;
      }
      throw new Error(`timed out waiting for ${what}`);
    };

    // Pause during the first epoch: training holds before the second.
    await until('the first epoch', (p) => p.epoch === 0 && p.status !== 'paused');
    await job.signal('pause');
    const held = await until('training to pause', (p) => p.status === 'paused');
    await sleep(2500);
    expect((await train.query<TrainProgress>('progress')).history.length).toBe(held.history.length);

    // Resume: the next epoch runs. Paused again during it, then stopped while held.
    await job.signal('resume');
    await until('an epoch after resuming', (p) => p.status !== 'paused' && p.epoch === held.history.length);
    await job.signal('pause');
    const again = await until('training to pause again', (p) => p.status === 'paused');
    expect(again.history.length).toBe(held.history.length + 1);
    await job.signal('stop');
    const result = (await train.result()) as TrainStrategyResult;
    expect(result.stoppedBy).toBe('signal');
    expect(result.history).toHaveLength(again.history.length);
    const report = (await job.result()) as JobReport;
    await recordHistories('auto-train', jobId, await allRuns(h.client, jobId), testTemporal(), { keepWorkflowId: true });
    expect(fs.existsSync(report.best.modelPath)).toBe(true);
    // The stopped student still competed with the PTQ pick for model.onnx, and what was chosen is what was written.
    expect(report.final).toBeDefined();
    expect(report.trained!.model.sha256).toBe(result.candidate!.model.sha256);
    const chosen = report.final!.chose === 'trained' ? report.trained!.model : report.final!.ptqPick.model;
    expect(report.best.model.sha256).toBe(chosen.sha256);
    expect(createHash('sha256').update(fs.readFileSync(report.best.modelPath)).digest('hex')).toBe(chosen.sha256);
  }, 600_000);
});
