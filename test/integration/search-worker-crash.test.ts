// A worker SIGKILLed in the middle of a search batch: a new worker takes over, the search
// completes with every trial counted once and ends where an uninterrupted run with the same seed ends.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { PtqSearchProgress, PtqSearchResult } from '../../workflows/ptq-search';
import { tmpDir } from './harness';
import { testTemporal, uniqueTaskQueue } from './setup/server';
import { activitiesOf, allRuns, clsSearchInput, killGroup, recordHistories, searchOutcome, waitFor } from './search-support';
import { WorkerProcesses } from './worker-process';

describe('a worker killed mid-search', () => {
  const workers = new WorkerProcesses();
  afterAll(async () => {
    await workers.killAll();
  });

  it('is replaced; no trial is lost or counted twice, and the best matches an uninterrupted run', async () => {
    const { address, namespace } = testTemporal();
    const taskQueue = uniqueTaskQueue('search-crash');
    const dir = tmpDir('search-crash');
    const store = path.join(dir, 'store');
    fs.mkdirSync(store, { recursive: true });
    const log = path.join(dir, 'workers.log');
    const client = new Client({ connection: await Connection.connect({ address }), namespace });
    try {
      const input = await clsSearchInput(store);
      const first = workers.start(address, namespace, taskQueue, store, log);
      const workflowId = `search-crash-${taskQueue}`;
      const handle = await client.workflow.start('ptqSearch', { taskQueue, workflowId, args: [input] });
      // Kill while the second batch runs: one batch is recorded, the next is cut off.
      await waitFor('a batch running after the first', async () => {
        const p = await handle.query<PtqSearchProgress>('progress');
        return p.search.trials >= 2 && p.stage.startsWith('ptqTrial');
      });
      await killGroup(first, 'SIGKILL');
      const second = workers.start(address, namespace, taskQueue, store, log);
      const result = (await client.workflow.getHandle(workflowId).result()) as PtqSearchResult;

      expect(result.trialsRun).toBe(6);
      expect(new Set(result.trials.map((t) => t.model.sha256)).size).toBe(6);
      const runs = await allRuns(client, workflowId);
      const acts = activitiesOf(runs);
      // Per run, each activity id was scheduled once and completed once; the kill forced a retry.
      for (const r of runs) {
        const ids = activitiesOf([r]).map((a) => a.id);
        expect(new Set(ids).size).toBe(ids.length);
      }
      for (const a of acts) expect(a.completed).toBe(1);
      expect(acts.filter((a) => a.type === 'ptqTrial')).toHaveLength(6);
      expect(acts.some((a) => a.attempt > 1)).toBe(true);
      await recordHistories('search-worker-crash-spends-budget', workflowId, runs, { address, namespace });

      // The same search, uninterrupted, on the same worker and store.
      const again = (await client.workflow.execute('ptqSearch', { taskQueue, workflowId: `${workflowId}-reference`, args: [input] })) as PtqSearchResult;
      expect(searchOutcome(result)).toEqual(searchOutcome(again));
      await killGroup(second, 'SIGTERM');
    } finally {
      await client.connection.close();
    }
  }, 600_000);
});
