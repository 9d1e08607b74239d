// The Temporal dev server stopped in the middle of a search and started again on its SQLite
// database: the search resumes from its history and completes with every trial counted once and
// the same outcome as an uninterrupted run. A private server, so the shared one is never touched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { PtqSearchProgress, PtqSearchResult } from '../../workflows/ptq-search';
import { ensureDevServer, stopDevServer } from '../../workers/dev-server';
import { tmpDir } from './harness';
import { uniqueTaskQueue } from './setup/server';
import { activitiesOf, allRuns, clsSearchInput, killGroup, recordHistories, searchOutcome, waitFor } from './search-support';
import { WorkerProcesses } from './worker-process';

describe('the dev server restarted mid-search', () => {
  const workers = new WorkerProcesses();
  const dir = tmpDir('search-restart');
  const stateDir = path.join(dir, 'temporal');
  afterAll(async () => {
    await workers.killAll();
    await stopDevServer(stateDir);
  });

  it('keeps the search: it completes once per trial with the outcome of an uninterrupted run', async () => {
    const store = path.join(dir, 'store');
    fs.mkdirSync(store, { recursive: true });
    const log = path.join(dir, 'workers.log');
    const taskQueue = uniqueTaskQueue('search-restart');
    const workflowId = `search-restart-${taskQueue}`;
    const input = await clsSearchInput(store);

    const server1 = await ensureDevServer({ stateDir });
    let client = new Client({ connection: await Connection.connect({ address: server1.address }), namespace: server1.namespace });
    const worker1 = workers.start(server1.address, server1.namespace, taskQueue, store, log);
    const handle = await client.workflow.start('ptqSearch', { taskQueue, workflowId, args: [input] });
    await waitFor('a batch running after the first', async () => {
      const p = await handle.query<PtqSearchProgress>('progress');
      return p.search.trials >= 2 && p.stage.startsWith('ptqTrial');
    });
    await client.connection.close();
    await stopDevServer(stateDir);
    // The old worker knows only the old address (a restarted server takes new ports): replace it.
    await killGroup(worker1, 'SIGKILL');

    const server2 = await ensureDevServer({ stateDir });
    expect(server2.started).toBe(true);
    client = new Client({ connection: await Connection.connect({ address: server2.address }), namespace: server2.namespace });
    try {
      const worker2 = workers.start(server2.address, server2.namespace, taskQueue, store, log);
      const result = (await client.workflow.getHandle(workflowId).result()) as PtqSearchResult;
      expect(result.trialsRun).toBe(6);
      expect(new Set(result.trials.map((t) => t.model.sha256)).size).toBe(6);
      const runs = await allRuns(client, workflowId);
      const acts = activitiesOf(runs);
      for (const a of acts) expect(a.completed).toBe(1);
      expect(acts.filter((a) => a.type === 'ptqTrial')).toHaveLength(6);
      await recordHistories('search-server-restart-spends-budget', workflowId, runs, server2);

      const again = (await client.workflow.execute('ptqSearch', { taskQueue, workflowId: `${workflowId}-reference`, args: [input] })) as PtqSearchResult;
      expect(searchOutcome(result)).toEqual(searchOutcome(again));
    } finally {
      await client.connection.close();
    }
  }, 600_000);
});
