// A stop or pause in a child's start input (what autoCompress passes when it starts ptqSearch or
// trainStrategy, see ChildControl in workflows/run-pipeline.ts) holds from the child's start: no
// signal has to reach it first. The engine and Temporal are real; the stage activities are fixtures.
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { PtqSearchInput, PtqSearchProgress, PtqSearchResult } from '../../workflows/ptq-search';
import type { TrainProgress, TrainStrategyInput, TrainStrategyResult } from '../../workflows/train-strategy';
import { fakeRef } from './fixture-activities';
import { useFixtureWorker } from './fixture-worker';

const { taskQueue, fixtures, client } = useFixtureWorker('child-control', 50);

const dataset = { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 1 } as never;
// Three distinct trials (the fixture keys a trial by its calibrator); the tester runs the base trial (abs_max) alone first.
const search = (control?: PtqSearchInput['control']): PtqSearchInput => ({
  model: fakeRef('src'), teacher: fakeRef('teacher'), calib: dataset, eval: dataset, budget: 3, parallel: 2, strategy: 'random',
  space: { ptq_algo: ['abs_max', 'avg', 'percentile'] },
  tester: { closeDrop: 300 }, tolerance: 100, ...(control ? { control } : {}),
});
const train = (control?: TrainStrategyInput['control']): TrainStrategyInput => ({
  model: fakeRef('src'), teacher: fakeRef('teacher'), train: dataset, config: { epochs: 4 }, ...(control ? { control } : {}),
});
const id = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The child says it is paused, runs no activity for a second, and is then resumed. */
async function heldUntilResumed(h: WorkflowHandle, paused: () => Promise<boolean>): Promise<void> {
  let ok = false;
  for (let i = 0; i < 100 && !ok; i++) { ok = await paused().catch(() => false); if (!ok) await sleep(100); }
  expect(ok).toBe(true);
  await sleep(1000);
  expect(fixtures.calls.filter((c) => c.workflowId === h.workflowId)).toEqual([]);
  await h.signal('resume');
}

describe('a child started with the parent\'s control state', () => {
  it('ptqSearch started stopped ends after its first batch (the tester alone), by the signal', async () => {
    const r = (await client().workflow.execute('ptqSearch', { taskQueue, workflowId: id('search-stopped'), args: [search({ stopped: true })] })) as PtqSearchResult;
    expect(r.trialsRun).toBe(1);
    expect(r.stoppedBy).toBe('stopped by signal (1 of 3 trials run)');
  });

  it('control: without it the same search spends its budget', async () => {
    const r = (await client().workflow.execute('ptqSearch', { taskQueue, workflowId: id('search-free'), args: [search()] })) as PtqSearchResult;
    expect(r.trialsRun).toBe(3);
  });

  it('ptqSearch started paused runs no trial until resumed', async () => {
    const h = await client().workflow.start('ptqSearch', { taskQueue, workflowId: id('search-paused'), args: [search({ paused: true })] });
    await heldUntilResumed(h, async () => (await h.query<PtqSearchProgress>('progress')).stage === 'paused');
    expect(((await h.result()) as PtqSearchResult).trialsRun).toBe(3);
  });

  it('trainStrategy started stopped trains one epoch (a student to return) and stops by the signal', async () => {
    const r = (await client().workflow.execute('trainStrategy', { taskQueue, workflowId: id('train-stopped'), args: [train({ stopped: true })] })) as TrainStrategyResult;
    expect(r.stoppedBy).toBe('signal');
    expect(r.history).toHaveLength(1);
    const free = (await client().workflow.execute('trainStrategy', { taskQueue, workflowId: id('train-free'), args: [train()] })) as TrainStrategyResult;
    expect(free.history).toHaveLength(4);
  });

  it('trainStrategy started paused trains nothing until resumed', async () => {
    const h = await client().workflow.start('trainStrategy', { taskQueue, workflowId: id('train-paused'), args: [train({ paused: true })] });
    await heldUntilResumed(h, async () => (await h.query<TrainProgress>('progress')).status === 'paused');
    expect(((await h.result()) as TrainStrategyResult).history).toHaveLength(4);
  });
});
