// A worker SIGKILLed in the middle of a job: a new worker picks the job up, it completes once,
// and no step that had finished runs again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { JobReport } from '../../core/report/report';
import type { PipelineProgress } from '../../core/pipeline';
import { WorkerProcesses } from './worker-process';
import { activityLog, clsJob, tmpDir } from './harness';
import { testTemporal, uniqueTaskQueue } from './setup/server';



const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a worker killed mid-job', () => {
  const workers = new WorkerProcesses();
  afterAll(async () => workers.killAll());

  it('is replaced by another; the job completes once with no finished step run again', async () => {
    const { address, namespace } = testTemporal();
    const taskQueue = uniqueTaskQueue('crash');
    const dir = tmpDir('crash');
    const store = path.join(dir, 'store');
    const log = path.join(dir, 'workers.log');
    const client = new Client({ connection: await Connection.connect({ address }), namespace });
    try {
      const first = workers.start(address, namespace, taskQueue, store, log);
      // A larger evaluation set keeps validation busy long enough to be interrupted.
      const config = clsJob(path.join(dir, 'out'), { eval_data: { kind: 'rendered-textlines', task: 'cls', count: 1024, seed: 12 } });
      const handle = await client.workflow.start('autoCompress', { taskQueue, workflowId: `crash-${taskQueue}`, args: [{ config }] });

      // Wait until some steps have finished and others are running, then kill the worker outright.
      let progress: PipelineProgress | undefined;
      for (let i = 0; i < 600; i++) {
        progress = await handle.query<PipelineProgress>('progress').catch(() => undefined);
        const statuses = Object.values(progress?.steps ?? {}).map((s) => s.status);
        if (statuses.includes('succeeded') && statuses.includes('running')) break;
        await sleep(200);
      }
      const finishedBeforeKill = Object.entries(progress!.steps).filter(([, s]) => s.status === 'succeeded').map(([id]) => id);
      expect(finishedBeforeKill.length).toBeGreaterThan(0);
      const exited = new Promise((r) => first.once('exit', r));
      process.kill(-first.pid!, 'SIGKILL');
      await exited;

      const second = workers.start(address, namespace, taskQueue, store, log);
      const report = (await handle.result()) as JobReport;
      expect(report.best.agreement).toBeGreaterThanOrEqual(99);
      expect(fs.existsSync(report.best.modelPath)).toBe(true);

      const log2 = await activityLog(handle);
      // Each activity was scheduled once and completed once: nothing finished ran again.
      const ids = log2.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const a of log2) expect(a.completed).toBe(1);
      // At least one activity was cut off by the kill and finished on a later attempt on the new worker.
      expect(log2.some((a) => a.attempt > 1)).toBe(true);
      const desc = await handle.describe();
      expect(desc.status.name).toBe('COMPLETED');
      process.kill(-second.pid!, 'SIGTERM');
    } finally {
      await client.connection.close();
    }
  }, 240_000);
});
