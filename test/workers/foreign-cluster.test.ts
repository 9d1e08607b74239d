// A Temporal cluster slimflow did not start: a plain `temporal server start-dev` without slimflow's
// --search-attribute flags. Connecting the way the CLI does (resolveConnection with an address, then
// the worker's and the client's connection) registers the attributes, so a workflow that upserts
// them completes instead of failing its tasks with BAD_SEARCH_ATTRIBUTES forever. Where the
// connection may not register them, connecting fails at once with the commands that do.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { connectClient, connectWorkerConnection, resolveConnection } from '../../workers/connection';
import { createSlimflowWorker } from '../../workers/create-worker';
import { freePort, sleep } from '../../workers/dev-server-state';
import { ensureSearchAttributes, type OperatorConnection, registrationCommands } from '../../workers/register-search-attributes';
import { SLIMFLOW_SEARCH_ATTRIBUTES, SlimflowSearchAttributes } from '../../workers/search-attributes';
import { resolveTemporalBin, runTemporalCli } from '../../workers/temporal-cli';
import { uniqueTaskQueue } from '../integration/setup/server';
import { createFixtureActivities } from './fixtures/activities';

const workflowsPath = path.join(__dirname, 'fixtures', 'workflows.ts');

async function customAttributes(address: string, namespace: string): Promise<Record<string, unknown>> {
  const conn = await Connection.connect({ address });
  try {
    return (await conn.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } finally {
    await conn.close();
  }
}

describe('a cluster slimflow did not start', () => {
  let server: ChildProcess;
  let address: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-foreign-'));

  beforeAll(async () => {
    const ports = { grpc: await freePort(), http: await freePort(), metrics: await freePort() };
    address = `127.0.0.1:${ports.grpc}`;
    const log = fs.openSync(path.join(dir, 'server.log'), 'a');
    server = spawn(resolveTemporalBin(), [
      'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--db-filename', path.join(dir, 'plain.db'),
      '--port', String(ports.grpc), '--http-port', String(ports.http), '--metrics-port', String(ports.metrics), '--log-level', 'error',
    ], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await customAttributes(address, 'default');
        break;
      } catch (e) {
        if (Date.now() > deadline || server.exitCode !== null) throw e;
        await sleep(300);
      }
    }
  }, 90_000);

  afterAll(async () => {
    server?.kill('SIGTERM');
    await new Promise((r) => (server.exitCode !== null ? r(undefined) : server.once('exit', r)));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('registers the search attributes when a worker connects, and a workflow upserting them completes', async () => {
    const before = await customAttributes(address, 'default');
    for (const a of SLIMFLOW_SEARCH_ATTRIBUTES) expect(before).not.toHaveProperty(a.name);

    // The CLI's path: --address resolves to this cluster (not the embedded server), then connect.
    const resolved = await resolveConnection({ address, env: {} });
    expect(resolved).toMatchObject({ address, namespace: 'default', embedded: false });
    const native = await connectWorkerConnection(resolved);
    const client = await connectClient(resolved);
    try {
      const after = await customAttributes(address, 'default');
      for (const a of SLIMFLOW_SEARCH_ATTRIBUTES) expect(after, a.name).toHaveProperty(a.name);

      const taskQueue = uniqueTaskQueue('foreign');
      const worker = await createSlimflowWorker({ connection: native, namespace: 'default', taskQueue, activities: createFixtureActivities([]), workflowsPath });
      const workflowId = `foreign-${taskQueue}`;
      const result = await worker.runUntil(client.workflow.execute('scoreWorkflow', { taskQueue, workflowId, args: [{ model: 'resnet18' }], workflowExecutionTimeout: '60 seconds' }));
      expect(result).toBeCloseTo(0.8);
      const desc = await client.workflow.getHandle(workflowId).describe();
      expect(desc.status.name).toBe('COMPLETED');
      expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.status)).toBe('done');
      expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.bestScore)).toBeCloseTo(0.8);
    } finally {
      await client.connection.close();
      await native.close();
    }
  }, 120_000);

  it('registers them on a namespace of that cluster too, through the client alone', async () => {
    await runTemporalCli(['operator', 'namespace', 'create', '--address', address, '--namespace', 'plain-extra']);
    const client = await connectClient(await resolveConnection({ address, namespace: 'plain-extra', env: {} }));
    await client.connection.close();
    const listed = await customAttributes(address, 'plain-extra');
    for (const a of SLIMFLOW_SEARCH_ATTRIBUTES) expect(listed, a.name).toHaveProperty(a.name);
  }, 60_000);
});

/** An operator service that answers like a cluster where this connection may not register attributes. */
function deniedCluster(opts: { list: 'denied' | Record<string, number>; visible?: string[] }): OperatorConnection & { added: string[] } {
  const denied = Object.assign(new Error('Request unauthorized.'), { code: 7 });
  const invalid = Object.assign(new Error('invalid query: search attribute not defined'), { code: 3 });
  const added: string[] = [];
  return {
    added,
    operatorService: {
      listSearchAttributes: async () => { if (opts.list === 'denied') throw denied; return { customAttributes: opts.list }; },
      addSearchAttributes: async () => { throw denied; },
    },
    workflowService: {
      countWorkflowExecutions: async ({ query }) => {
        if (!(opts.visible ?? []).some((n) => query.startsWith(`${n} `))) throw invalid;
        return {};
      },
    },
    withDeadline: (_d, fn) => fn(),
  };
}

describe('a cluster where slimflow may not register search attributes', () => {
  it('fails at once with the exact commands for the missing attributes', async () => {
    const conn = deniedCluster({ list: { SlimflowModel: 2 } });
    const err = await ensureSearchAttributes(conn, 'prod', { address: 'temporal.example:7233' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'INVALID_CONFIG' });
    for (const cmd of registrationCommands('prod', 'temporal.example:7233', ['SlimflowStrategy', 'SlimflowStatus', 'SlimflowBestScore'])) {
      expect(err.message).toContain(cmd);
    }
    expect(err.message).toContain('temporal operator search-attribute create --address temporal.example:7233 --namespace prod --name SlimflowBestScore --type Double');
    expect(err.message).not.toContain('--name SlimflowModel ');
  });

  it('without the operator service (Temporal Cloud) asks visibility which attributes exist', async () => {
    const all = SLIMFLOW_SEARCH_ATTRIBUTES.map((a) => a.name);
    await expect(ensureSearchAttributes(deniedCluster({ list: 'denied', visible: all }), 'cloud-ok.acct')).resolves.toEqual([]);
    const err = await ensureSearchAttributes(deniedCluster({ list: 'denied', visible: ['SlimflowModel'] }), 'cloud-missing.acct').catch((e) => e);
    expect(err.message).toContain('tcld namespace search-attributes add');
    expect(err.message).toContain('--name SlimflowStatus --type Keyword');
  });

  it('refuses an attribute registered with another type', async () => {
    const err = await ensureSearchAttributes(deniedCluster({ list: { SlimflowBestScore: 2 } }), 'typed').catch((e) => e);
    expect(err.message).toMatch(/SlimflowBestScore \(not of type Double\)/);
  });
});
