// The embedded dev server on its own state directories (not the shared one): reuse, restart
// persistence, search attributes on a new namespace, and a start failure that points at the log.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ensureDevServer, stopDevServer } from '../../workers/dev-server';
import { isAlive, readState, stateFilePath } from '../../workers/dev-server-state';
import { createSlimflowWorker } from '../../workers/create-worker';
import { SLIMFLOW_SEARCH_ATTRIBUTES } from '../../workers/search-attributes';
import { runTemporalCli } from '../../workers/temporal-cli';
import { uniqueTaskQueue } from '../integration/setup/server';
import { createFixtureActivities } from './fixtures/activities';

const TSX = path.resolve(__dirname, '../../node_modules/tsx/dist/cli.mjs');
const CLI = path.resolve(__dirname, '../../cli/main.ts');

const dirs: string[] = [];
const tempDir = (label: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `slimflow-${label}-`));
  dirs.push(d);
  return d;
};

async function withClient<T>(address: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

describe('dev server', () => {
  afterEach(() => void vi.unstubAllEnvs());
  afterAll(async () => {
    for (const d of dirs) {
      await stopDevServer(d);
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('keeps workflow histories across stop and start on the same state directory', async () => {
    const stateDir = tempDir('persist');
    const first = await ensureDevServer({ stateDir });
    expect(first.started).toBe(true);
    expect(readState(stateDir)).toMatchObject({ pid: first.pid, address: first.address });

    const again = await ensureDevServer({ stateDir });
    expect(again).toMatchObject({ started: false, pid: first.pid, address: first.address });

    // Started with no worker polling: it stays open, with its history in SQLite.
    const taskQueue = uniqueTaskQueue('persist');
    const workflowId = `persist-${taskQueue}`;
    await withClient(first.address, (c) =>
      c.workflow.start('scoreWorkflow', { taskQueue, workflowId, args: [{ model: 'resnet18', waitForSignal: true }] }),
    );

    expect(await stopDevServer(stateDir)).toBe(true);
    expect(isAlive(first.pid)).toBe(false);
    expect(fs.existsSync(stateFilePath(stateDir))).toBe(false);
    expect(await stopDevServer(stateDir)).toBe(false);

    const second = await ensureDevServer({ stateDir });
    expect(second.started).toBe(true);
    expect(second.pid).not.toBe(first.pid);

    const connection = await NativeConnection.connect({ address: second.address });
    try {
      await withClient(second.address, async (c) => {
        const handle = c.workflow.getHandle(workflowId);
        expect((await handle.describe()).status.name).toBe('RUNNING');
        const worker = await createSlimflowWorker({
          connection,
          namespace: 'default',
          taskQueue,
          activities: createFixtureActivities([]),
          workflowsPath: path.join(__dirname, 'fixtures', 'workflows.ts'),
        });
        // The run started before the restart finishes on the restarted server.
        await handle.signal('proceed');
        expect(await worker.runUntil(handle.result())).toBeCloseTo(0.8);
      });
    } finally {
      await connection.close();
    }
  });

  it('serialises concurrent starts and registers search attributes on a namespace added later', async () => {
    const stateDir = tempDir('namespace');
    // Two starters at once (say, a worker and the CLI): the lock lets exactly one start a server.
    const [a, b] = await Promise.all([ensureDevServer({ stateDir }), ensureDevServer({ stateDir })]);
    expect([a.started, b.started].sort()).toEqual([false, true]);
    expect(b.pid).toBe(a.pid);
    const server = a;
    const other = await ensureDevServer({ stateDir, namespace: 'slimflow-extra' });
    expect(other).toMatchObject({ started: false, pid: server.pid, namespace: 'slimflow-extra' });
    const listed = JSON.parse(
      await runTemporalCli([
        'operator', 'search-attribute', 'list', '--address', server.address, '--namespace', 'slimflow-extra', '-o', 'json',
      ]),
    ) as { customAttributes: Record<string, string> };
    for (const a of SLIMFLOW_SEARCH_ATTRIBUTES) {
      expect(listed.customAttributes[a.name]).toBe(`INDEXED_VALUE_TYPE_${a.type.toUpperCase()}`);
    }
  });

  it("serves its Web UI on loopback and `slimflow server status|stop` reports and stops it", async () => {
    const stateDir = tempDir('ui');
    const server = await ensureDevServer({ stateDir });
    expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(server.uiUrl!);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);

    const cli = (...args: string[]) => spawnSync(process.execPath, [TSX, CLI, 'server', ...args, '--state-dir', stateDir, '--json'], { encoding: 'utf8', timeout: 60_000 });
    const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!);
    const running = cli('status');
    expect(running.status).toBe(0);
    expect(lastJson(running.stdout)).toMatchObject({ running: true, address: server.address, pid: server.pid, uiUrl: server.uiUrl });
    const stopped = cli('stop');
    expect(lastJson(stopped.stdout)).toEqual({ stopped: true });
    expect(isAlive(server.pid)).toBe(false);
    const none = cli('status');
    expect(none.status).toBe(3);
    expect(lastJson(none.stdout)).toMatchObject({ running: false });
  });

  it('belongs to one checkout: a copied state directory neither reuses the running server nor resumes its jobs', async () => {
    const original = tempDir('original');
    const first = await ensureDevServer({ stateDir: original });
    const taskQueue = uniqueTaskQueue('copied');
    const workflowId = `copied-${taskQueue}`;
    await withClient(first.address, (c) =>
      c.workflow.start('scoreWorkflow', { taskQueue, workflowId, args: [{ model: 'resnet18', waitForSignal: true }] }),
    );
    // Copy the checkout's state as `cp -r` would, server.json, owner file and database included.
    const copy = path.join(tempDir('copy'), 'temporal');
    fs.cpSync(original, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'lock'), { force: true });
    expect(readState(copy)).toBeNull(); // the copied server.json is the original's

    const second = await ensureDevServer({ stateDir: copy });
    expect(second.started).toBe(true);
    expect(second.pid).not.toBe(first.pid);
    expect(second.setAsideDb).toMatch(/temporal\.db\.copied-/);
    expect(fs.existsSync(second.setAsideDb!)).toBe(true);
    expect(isAlive(first.pid)).toBe(true); // the original's server was left alone
    await withClient(second.address, async (c) => {
      await expect(c.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
    });
    await withClient(first.address, async (c) => {
      expect((await c.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
      await c.workflow.getHandle(workflowId).terminate('test over');
    });
    // Restarting the copy keeps its own (new) database: nothing more is set aside.
    await stopDevServer(copy);
    const third = await ensureDevServer({ stateDir: copy });
    expect(third.setAsideDb).toBeUndefined();
  });

  it('fails with the log path when the server cannot start', async () => {
    const stateDir = tempDir('broken');
    const fake = path.join(stateDir, 'fake-temporal');
    // Answers --version like a CLI, then dies the way a server with a bad flag or busy port does.
    fs.writeFileSync(fake, '#!/bin/sh\n[ "$1" = --version ] && { echo fake; exit 0; }\necho "boom: cannot bind" >&2\nexit 3\n', {
      mode: 0o755,
    });
    vi.stubEnv('SLIMFLOW_TEMPORAL_BIN', fake);
    const log = path.join(stateDir, 'server.log');
    await expect(ensureDevServer({ stateDir, startTimeoutMs: 20_000 })).rejects.toThrow(/exited \(exit code 3\).*server\.log/);
    expect(fs.readFileSync(log, 'utf8')).toContain('boom: cannot bind');
    expect(readState(stateDir)).toBeNull();
  });
});
