// The Temporal dev server stopped in the middle of a fleet run and started again on its SQLite
// database (a private server: the shared one is never touched). The worker process is replaced (a
// restarted server takes new ports). The run completes and publishes each model exactly once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { FleetSummary } from '../../core/fleet/types';
import { listVersions, readLatest } from '../../core/fleet/registry';
import type { FleetProgress } from '../../workflows/fleet-recompress';
import { ensureDevServer, stopDevServer } from '../../workers/dev-server';
import { tmpDir } from './harness';
import { uniqueTaskQueue } from './setup/server';
import { killGroup, waitFor } from './search-support';
import { WorkerProcesses } from './worker-process';
import { modelVariant, publishes, recordFleetHistory, writeManifest } from './fleet-support';

describe('the dev server restarted mid-fleet', () => {
  const workers = new WorkerProcesses();
  const dir = tmpDir('fleet-restart');
  const stateDir = path.join(dir, 'temporal');
  afterAll(async () => {
    await workers.killAll();
    await stopDevServer(stateDir);
  });

  it('completes and publishes every model once', async () => {
    const store = path.join(dir, 'store');
    fs.mkdirSync(store, { recursive: true });
    const log = path.join(dir, 'workers.log');
    const taskQueue = uniqueTaskQueue('fleet-restart');
    const workflowId = `fleet-restart-${taskQueue}`;
    const a = modelVariant(path.join(dir, 'models', 'a.onnx'), 'a');
    const b = modelVariant(path.join(dir, 'models', 'b.onnx'), 'b');
    const manifest = writeManifest(dir, 'restart', { a, b }, 1);
    const registry = path.join(dir, 'registry');

    const server1 = await ensureDevServer({ stateDir });
    let client = new Client({ connection: await Connection.connect({ address: server1.address }), namespace: server1.namespace });
    const worker1 = workers.start(server1.address, server1.namespace, taskQueue, store, log);
    const handle = await client.workflow.start('fleetRecompress', { taskQueue, workflowId, args: [{ manifestPath: manifest }] });
    // Stop while the first model's job is inside its pipeline, in whatever stage it has reached: long
    // stages beat with their progress and short ones on a timer, so the lost attempt is retried within a minute.
    await waitFor('the first model compressing', async () => (await handle.query<FleetProgress>('progress')).models.a === 'compressing');
    await waitFor('the child job running a stage', async () => {
      const p = await client.workflow.getHandle(`${workflowId}/a`).query<{ stage: string }>('progress');
      return !!p.stage;
    });
    await client.connection.close();
    await stopDevServer(stateDir);
    await killGroup(worker1, 'SIGKILL');

    const server2 = await ensureDevServer({ stateDir });
    expect(server2.started).toBe(true);
    client = new Client({ connection: await Connection.connect({ address: server2.address }), namespace: server2.namespace });
    try {
      const worker2 = workers.start(server2.address, server2.namespace, taskQueue, store, log);
      const summary = (await client.workflow.getHandle(workflowId).result()) as FleetSummary;
      expect(summary).toMatchObject({ compressed: ['a', 'b'], skipped: [], failed: [], rejected: [] });
      for (const m of ['a', 'b']) {
        expect(publishes(registry, m), m).toHaveLength(1);
        expect(listVersions(path.join(registry, m)), m).toHaveLength(1);
        expect(fs.existsSync(path.join(readLatest(path.join(registry, m))!.dir, 'model.onnx'))).toBe(true);
      }
      await recordFleetHistory('server-restart', workflowId, server2);
    } finally {
      await client.connection.close();
    }
  }, 600_000);
});
