// ptqSearch on a real dev server with an in-process worker: the search runs its trials across
// continue-as-new, counts each once, answers progress, upserts search attributes, pauses, resumes,
// stops early keeping the best, and works as a step of a hand-written pipeline.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { LocalArtifactStore } from '../../core/artifacts/store';
import { chosenStrategy, JobReport } from '../../core/report/report';
import type { PipelineResult } from '../../workflows/interpreter';
import type { PtqSearchInput, PtqSearchProgress, PtqSearchResult } from '../../workflows/ptq-search';
import { SlimflowSearchAttributes } from '../../workers/search-attributes';
import { buildWorker } from '../../workers/start-worker';
import { CLS_MODEL, ppocrModel } from '../fixtures/models';
import { testTemporal, uniqueTaskQueue } from './setup/server';
import { clsJob, tmpDir } from './harness';
import { activitiesOf, allRuns, clsSearchInput, recordHistories, waitFor } from './search-support';

describe('ptqSearch', () => {
  let client: Client;
  let stop: () => Promise<void>;
  let taskQueue: string;
  let input: PtqSearchInput;
  beforeAll(async () => {
    const { address, namespace } = testTemporal();
    taskQueue = uniqueTaskQueue('search');
    const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-search-store-'));
    const worker = await buildWorker({ address, namespace, embedded: false }, { taskQueue, deps: { store: new LocalArtifactStore(storeDir), threads: 1 } });
    const running = worker.run();
    client = new Client({ connection: await Connection.connect({ address }), namespace });
    stop = async () => { worker.shutdown(); await running; await client.connection.close(); };
    input = await clsSearchInput(storeDir);
  });
  afterAll(async () => stop?.());

  it('runs the budget across continue-as-new, each trial once, with progress and search attributes', async () => {
    const workflowId = `search-basic-${taskQueue}`;
    const handle = await client.workflow.start('ptqSearch', { taskQueue, workflowId, args: [input] });
    const result = (await handle.result()) as PtqSearchResult;
    expect(result.trialsRun).toBe(6);
    expect(result.runs).toBe(2);
    expect(result.stoppedBy).toBe('budget spent (6 of 6)');
    expect(result.trials).toHaveLength(6);
    // The first proposals covered every calibrator of the space (abs_max, avg, hist, mse) before the surrogate chose.
    expect(new Set(result.trials.slice(0, 4).map((t) => (t.config as { calibrator: string }).calibrator))).toEqual(new Set(['abs_max', 'avg', 'hist', 'mse']));
    expect(new Set(result.trials.map((t) => t.model.sha256)).size).toBe(6);
    // The best is the most accurate trial within tolerance (here: agreement with the teacher, no baseline given).
    const feasible = result.trials.filter((t) => 100 - t.agreement <= 1);
    expect(result.best.accuracy).toBe(Math.max(...(feasible.length > 0 ? feasible : result.trials).map((t) => t.accuracy!)));

    const progress = await client.workflow.getHandle(workflowId).query<PtqSearchProgress>('progress');
    expect(progress.search).toMatchObject({ trials: 6, budget: 6, gridSize: 10, run: 1, stoppedBy: 'budget spent (6 of 6)' });
    const desc = await client.workflow.getHandle(workflowId).describe();
    expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.strategy)).toBe('ptq-search:surrogate');
    expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.status)).toBe('search-done');
    expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.bestScore)).toBe(result.best.accuracy);
    expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.model)).toMatch(/^[0-9a-f]{8,}|cls/);

    const runs = await allRuns(client, workflowId);
    expect(runs).toHaveLength(2);
    const acts = activitiesOf(runs);
    expect(acts.filter((a) => a.type === 'ptqTrial')).toHaveLength(6);
    for (const a of acts) expect(a.completed).toBe(1);
    // Recorded as search-spends-budget: search-basic-run*.json hold searches from before the coverage rule.
    await recordHistories('search-spends-budget', workflowId, runs, testTemporal());
  }, 300_000);

  it('pauses, resumes and stops early keeping the best so far', async () => {
    const handle = await client.workflow.start('ptqSearch', {
      taskQueue, workflowId: `search-control-${taskQueue}`, args: [{ ...input, budget: 10, seed: 4, trialsPerRun: 10 }],
    });
    await waitFor('a first trial', async () => (await handle.query<PtqSearchProgress>('progress')).search.trials > 0);
    await handle.signal('pause');
    // The batch already started finishes; no new one starts while paused.
    await waitFor('the pause to settle', async () => (await handle.query<PtqSearchProgress>('progress')).stage === 'paused');
    const paused = (await handle.query<PtqSearchProgress>('progress')).search.trials;
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.status)).toBe('search-paused');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await handle.query<PtqSearchProgress>('progress')).search.trials).toBe(paused);
    await handle.signal('resume');
    await waitFor('a trial after resuming', async () => (await handle.query<PtqSearchProgress>('progress')).search.trials > paused);
    const best = (await handle.executeUpdate('stopNow')) as PtqSearchResult['best'] | null;
    expect(best).not.toBeNull();
    const result = (await handle.result()) as PtqSearchResult;
    expect(result.stoppedBy).toBe(`stopped by signal (${result.trialsRun} of 10 trials run)`);
    expect(result.trialsRun).toBeLessThan(10);
    expect(result.best.accuracy).toBeGreaterThanOrEqual(best!.accuracy!);
  }, 300_000);

  it('stopped before any trial has finished, keeps the first batch as its best', async () => {
    const handle = await client.workflow.start('ptqSearch', {
      taskQueue, workflowId: `search-early-stop-${taskQueue}`, args: [{ ...input, budget: 10, seed: 5, trialsPerRun: 10 }],
    });
    await handle.signal('stop');
    const result = (await handle.result()) as PtqSearchResult;
    expect(result.stoppedBy).toBe('stopped by signal (2 of 10 trials run)');
    // The first batch (parallel = 2) runs to the end; nothing after it starts.
    expect(result.trialsRun).toBe(2);
    expect(result.best.model.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 300_000);

  it('runs in autoCompress for a config with HyperParameterOptimization, tester first, then spends its budget', async () => {
    const dir = tmpDir('search-auto');
    const config = clsJob(path.join(dir, 'out'), { eval_data: { kind: 'rendered-textlines', task: 'cls', count: 128, seed: 12 } }, {
      HyperParameterOptimization: { ptq_algo: ['abs_max', 'hist'], hist_percent: [0.999, 0.9999], max_quant_count: 3 },
    });
    const workflowId = `search-auto-${taskQueue}`;
    const report = (await client.workflow.execute('autoCompress', { taskQueue, workflowId, args: [{ config }] })) as JobReport;
    const child = client.workflow.getHandle(`${workflowId}/search`);
    // Sensitivity ran on the tester's own trial (same key: the search reused it) and shaped the space.
    const parentRuns = await allRuns(client, workflowId);
    const childRuns = await allRuns(client, `${workflowId}/search`);
    const trialKeys = (runs: typeof parentRuns) => runs.flatMap((r) => (r.history.events ?? []).flatMap((e) => {
      const payload = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
      const out = payload ? JSON.parse(Buffer.from(payload).toString()) as { trialKey?: string } : {};
      return out.trialKey ? [out.trialKey] : [];
    }));
    expect(trialKeys(parentRuns)).toHaveLength(1);
    expect(trialKeys(childRuns)[0]).toBe(trialKeys(parentRuns)[0]);
    const sens = report.sensitivity!;
    expect(sens.length).toBeGreaterThan(10);
    expect(sens.map((s) => s.sqnr)).toEqual([...sens.map((s) => s.sqnr)].sort((a, b) => a - b));
    const started = childRuns[0].history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!;
    expect((JSON.parse(Buffer.from(started).toString()) as PtqSearchInput).space).toMatchObject({ keep_float: [0, 1, 2], sensitiveLayers: sens.slice(0, 2).map((s) => s.layer) });
    const html = fs.readFileSync(path.join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain(`<td>${sens[0].layer}</td>`);
    expect(report.skipped.find((s) => s.strategy === 'latency-based strategy choice')?.reason).toMatch(/no latency table configured/);
    // Recorded as auto-search-spends-budget: auto-search-run0.json holds a job whose tester ended its search.
    await recordHistories('auto-search-spends-budget', workflowId, parentRuns, testTemporal(), { keepWorkflowId: true });
    // Its search child too: a ptqSearch with a tester, past the tester.
    await recordHistories('auto-search-child-spends-budget', `${workflowId}/search`, childRuns, testTemporal());
    const progress = await child.query<PtqSearchProgress>('progress');
    // The QuantPost trial (abs_max, per-channel, integer path) is the tester. Whether or not it meets the
    // target, the search goes on: the next batch covers the other calibrator (hist) and the other placement.
    expect(progress.search.stoppedBy).toBe('budget spent (3 of 3)');
    expect(progress.search.trials).toBe(3);
    expect(report.searchStoppedBy).toBe('budget spent (3 of 3)');
    expect(report.candidates).toHaveLength(3);
    const configs = report.candidates.map((c) => c.config as { calibrator: string; placement: string });
    expect(configs[0]).toMatchObject({ calibrator: 'abs_max', placement: 'integer-path' });
    expect(configs.slice(1).map((c) => `${c.calibrator}/${c.placement}`)).toEqual(['hist/integer-path', 'abs_max/conv-only']);
    expect(fs.existsSync(report.best.modelPath)).toBe(true);
    // The attribute names what was chosen: the planned search's pick, or the FP32 rewrite when it is the fastest within tolerance.
    expect((await client.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(SlimflowSearchAttributes.strategy)).toBe(chosenStrategy(report, 'ptq-int8-search'));
    expect((await child.describe()).typedSearchAttributes.get(SlimflowSearchAttributes.model)).toBe('ch_ppocr_mobile_v2.0_cls_infer');
  }, 300_000);

  it('is a step a hand-written pipeline can use', async () => {
    const pipeline = {
      name: 'search-step',
      inputs: { model: 'model', calib: 'dataset', eval: 'dataset' },
      steps: {
        teacher: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' } },
        search: {
          stage: 'ptqSearch',
          with: {
            model: '${{ inputs.model }}', calib: '${{ inputs.calib }}', eval: '${{ inputs.eval }}', teacher: '${{ steps.teacher.teacher }}',
            space: input.space, budget: 2, parallel: 2, input: input.input, seed: 1,
          },
        },
        best: { stage: 'selectBest', with: { candidates: '${{ steps.search.trials }}' } },
      },
      outputs: { best: '${{ steps.best.best }}', stoppedBy: '${{ steps.search.stoppedBy }}' },
    };
    const r = (await client.workflow.execute('runPipeline', {
      taskQueue, workflowId: `search-pipeline-${taskQueue}`,
      args: [{ pipeline, inputs: { model: ppocrModel(CLS_MODEL), calib: input.calib, eval: input.eval } }],
    })) as PipelineResult;
    expect(r.outputs.stoppedBy).toBe('budget spent (2 of 2)');
    expect((r.outputs.best as { accuracy: number }).accuracy).toBeGreaterThan(90);
  }, 300_000);
});
