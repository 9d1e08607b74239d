// A worker SIGKILLed in the middle of a training epoch: a new worker resumes from the last
// checkpoint, and (1 onnxruntime thread, same seed) every epoch's student is byte-identical to an
// uninterrupted run's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { LocalArtifactStore } from '../../core/artifacts/store';
import type { TrainStrategyInput, TrainStrategyResult } from '../../workflows/train-strategy';
import { CLS_MODEL, ppocrModel } from '../fixtures/models';
import { startHarness, tmpDir } from './harness';
import { WorkerProcesses } from './worker-process';
import { testTemporal, uniqueTaskQueue } from './setup/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** The same job for both runs, with model refs from the given store. */
async function job(store: string): Promise<TrainStrategyInput> {
  const ref = await new LocalArtifactStore(store).put(fs.readFileSync(ppocrModel(CLS_MODEL)), 'model', 'onnx');
  return {
    model: ref,
    teacher: ref,
    train: { kind: 'rendered-textlines', task: 'cls', count: 48, seed: 31 } as never,
    config: { epochs: 2, patience: 5, samples: 48, batchSize: 4, checkpointEvery: 3, seed: 9, threads: 1, schedule: { kind: 'constant', lr: 5e-4 } },
    input: { name: 'x', shape: [4, 3, 48, 192], threads: 1 },
  };
}

const checkpointKeys = (store: string) => {
  const dir = path.join(store, 'keys');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.includes('.ckpt.') && f.endsWith('.json')) : [];
};

describe('trainStrategy survives a worker killed mid-epoch', () => {
  const workers = new WorkerProcesses();
  afterAll(async () => workers.killAll());

  it('resumes from the last checkpoint on a new worker and ends on the same artifacts as an uninterrupted run', async () => {
    const { address, namespace } = testTemporal();
    const taskQueue = uniqueTaskQueue('train-crash');
    const dir = tmpDir('train-crash');
    const store = path.join(dir, 'store');
    const log = path.join(dir, 'workers.log');
    const client = new Client({ connection: await Connection.connect({ address }), namespace });
    try {
      const first = workers.start(address, namespace, taskQueue, store, log);
      const handle = await client.workflow.start('trainStrategy', { taskQueue, workflowId: `train-crash-${taskQueue}`, args: [await job(store)] });

      // Kill as soon as the first epoch has written a checkpoint: the epoch is then mid-way.
      for (let i = 0; i < 1500 && checkpointKeys(store).length === 0; i++) await sleep(100);
      const seen = checkpointKeys(store);
      expect(seen.length).toBeGreaterThan(0);
      const exited = new Promise((r) => first.once('exit', r));
      process.kill(-first.pid!, 'SIGKILL');
      await exited;

      const second = workers.start(address, namespace, taskQueue, store, log);
      const crashed = (await handle.result()) as TrainStrategyResult;
      process.kill(-second.pid!, 'SIGTERM');
      expect(crashed.history).toHaveLength(2);
      // The interrupted epoch picked up at a checkpoint, not at step 0.
      expect(crashed.history[0].resumedFromStep).toBeGreaterThanOrEqual(3);

      // The same job, uninterrupted, on an in-process worker with its own store.
      const h = await startHarness('train-clean');
      try {
        const clean = (await h.client.workflow.execute('trainStrategy', { taskQueue: h.taskQueue, workflowId: `train-clean-${h.taskQueue}`, args: [await job(h.storeDir)] })) as TrainStrategyResult;
        expect(clean.history.map((e) => e.resumedFromStep)).toEqual([0, 0]);
        expect(crashed.history.map((e) => e.model.sha256)).toEqual(clean.history.map((e) => e.model.sha256));
        expect(crashed.history.map((e) => e.loss)).toEqual(clean.history.map((e) => e.loss));
        expect(crashed.model.sha256).toBe(clean.model.sha256);
      } finally {
        await h.stop();
      }
    } finally {
      await client.connection.close();
    }
  }, 300_000);
});
