// The Temporal server goes away for 30 s in the middle of `slimflow compress` (a private server on
// fixed ports, SIGKILLed and started again on the same SQLite file; the shared one is not touched).
// The CLI prints one line, keeps its in-process worker, and finishes the job once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../workers/dev-server-state';
import { resolveTemporalBin } from '../../workers/temporal-cli';
import { SLIMFLOW_SEARCH_ATTRIBUTES } from '../../workers/search-attributes';
import { tmpDir } from './harness';
import { cli, printedId, writeClsConfig } from './cli-support';

async function startServer(db: string, ports: { grpc: number; http: number; metrics: number }): Promise<ChildProcess> {
  const args = [
    'server', 'start-dev', '--headless', '--db-filename', db, '--ip', '127.0.0.1',
    '--port', String(ports.grpc), '--http-port', String(ports.http), '--metrics-port', String(ports.metrics), '--log-level', 'error',
    ...SLIMFLOW_SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]),
  ];
  const child = spawn(resolveTemporalBin(), args, { detached: true, stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const c = await Connection.connect({ address: `127.0.0.1:${ports.grpc}`, connectTimeout: 2000 });
      await c.workflowService.describeNamespace({ namespace: 'default' });
      await c.close();
      return child;
    } catch {
      if (Date.now() > deadline) throw new Error('private temporal server did not start');
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

const killServer = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  try { process.kill(-child.pid!, 'SIGKILL'); } catch { return; }
  await gone;
};

describe('a server outage during slimflow compress', () => {
  const servers: ChildProcess[] = [];
  afterAll(async () => { for (const s of servers) await killServer(s); });

  it('is waited out with one line; the job completes once', async () => {
    const dir = tmpDir('cli-outage');
    const db = path.join(dir, 'temporal.db');
    const ports = { grpc: await freePort(), http: await freePort(), metrics: await freePort() };
    const address = `127.0.0.1:${ports.grpc}`;
    servers.push(await startServer(db, ports));
    const run = cli(['compress', writeClsConfig(dir, path.join(dir, 'out')), '--address', address, '--json'], { SLIMFLOW_STORE: path.join(dir, 'store') });
    await run.waitFor(/workflow \S+ started/);
    const id = printedId(run.out.stderr)!;
    await run.waitFor(/\[\s*\d+%\]/);

    await killServer(servers[0]);
    // Longer than the SDK's own retries (the CLI died ~22 s into a 45 s outage before).
    await new Promise((r) => setTimeout(r, 30_000));
    expect(run.child.exitCode).toBeNull();
    servers.push(await startServer(db, ports));

    const { code } = await run.exited;
    const report = JSON.parse(run.out.stdout.trim().split('\n').pop()!);
    expect(code).toBe(report.target.met ? 0 : 3);
    expect(run.out.stderr.match(/server unreachable, retrying…/g)).toHaveLength(1);
    expect(run.out.stderr).toMatch(/server reachable again/);
    expect(run.out.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(dir, 'out', 'model.onnx'))).toBe(true);

    const client = new Client({ connection: await Connection.connect({ address }) });
    try {
      const d = await client.workflow.getHandle(id).describe();
      expect(d.status.name).toBe('COMPLETED');
      const runs = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${id}'` })) runs.push(w);
      expect(runs).toHaveLength(1);
    } finally {
      await client.connection.close();
    }
  }, 900_000);
});
