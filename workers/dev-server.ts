// The embedded default cluster: a `temporal server start-dev` on SQLite under .slimflow/temporal,
// started on first use, detached so later commands reuse it, and kept across restarts. Its state
// directory belongs to one checkout (see claimDatabase); its Web UI listens on loopback.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { SlimflowError } from '../core/errors';
import { ensureSearchAttributes } from './register-search-attributes';
import { SLIMFLOW_SEARCH_ATTRIBUTES } from './search-attributes';
import { stateRoot } from '../core/package-root';
import { resolveTemporalBin, runTemporalCli } from './temporal-cli';
import {
  claimDatabase,
  type DevServerState,
  freePort,
  isAlive,
  isServerProcess,
  readState,
  removeState,
  sleep,
  withStateLock,
  writeState,
} from './dev-server-state';

/** Where the embedded server keeps its database, log and state file unless told otherwise. */
export const DEFAULT_STATE_DIR = path.join(stateRoot(), 'temporal');

/**
 * One task-queue partition. The server's default (4) spreads a queue's backlog over partitions that a
 * few pollers reach only through forwarding: with one worker taking one task at a time, each
 * hand-off from a finished activity to the next queued one took ~0.9 s (bench:search --overhead-only:
 * idle 6–7 % of a 16-trial search, 3 % with one partition). One host, few pollers: one partition.
 */
const SINGLE_HOST_CONFIG: Record<string, unknown> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

/** Options of ensureDevServer. */
export interface DevServerOptions {
  stateDir?: string;
  namespace?: string;
  /** How long to wait for a fresh server to answer (ms). */
  startTimeoutMs?: number;
  /** Dynamic config values for a fresh server (`--dynamic-config-value key=JSON`). */
  dynamicConfig?: Record<string, unknown>;
}

/** A running dev server; `started` is false when an existing one was reused. */
export interface DevServer {
  address: string;
  namespace: string;
  pid: number;
  started: boolean;
  stateDir: string;
  logFile: string;
  /** The Web UI (absent for a running server started headless by an older slimflow). */
  uiUrl?: string;
  /** Where a database copied from another checkout was moved before this server started fresh. */
  setAsideDb?: string;
}

/** Reuse the dev server recorded in stateDir if it answers, else start one; resolves once it serves `namespace`. */
export async function ensureDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const stateDir = path.resolve(opts.stateDir ?? DEFAULT_STATE_DIR);
  const namespace = opts.namespace ?? 'default';
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  return withStateLock(stateDir, timeoutMs + 30_000, async () => {
    const recorded = readState(stateDir);
    if (recorded && (await answers(recorded.address, recorded.namespace, 3_000))) {
      await ensureNamespace(recorded.address, namespace);
      await registerSearchAttributes(recorded.address, namespace);
      return { ...pick(recorded, stateDir), namespace, started: false };
    }
    // A recorded server that no longer answers may still hold the SQLite file: stop it first.
    if (recorded) await terminate(recorded);
    removeState(stateDir);
    const setAsideDb = claimDatabase(stateDir, path.join(stateDir, DB_FILE));
    const state = await startServer(stateDir, namespace, timeoutMs, { ...SINGLE_HOST_CONFIG, ...opts.dynamicConfig });
    return { ...pick(state, stateDir), namespace, started: true, ...(setAsideDb ? { setAsideDb } : {}) };
  });
}

/** The server recorded in stateDir (this directory's own) and whether it answers; null when none is recorded. */
export async function devServerStatus(stateDir: string = DEFAULT_STATE_DIR): Promise<(DevServerState & { answering: boolean }) | null> {
  const state = readState(path.resolve(stateDir));
  if (!state) return null;
  const answering = isServerProcess(state.pid, state.dbFile) && (await answers(state.address, state.namespace, 3_000));
  return { ...state, answering };
}

/** Stop the dev server recorded in stateDir (SIGTERM, then SIGKILL) and forget it; false when none was recorded. */
export async function stopDevServer(stateDir: string = DEFAULT_STATE_DIR): Promise<boolean> {
  const dir = path.resolve(stateDir);
  return withStateLock(dir, 30_000, async () => {
    const state = readState(dir);
    if (!state) return false;
    await terminate(state);
    removeState(dir);
    return true;
  });
}

/** Add any slimflow search attribute the namespace lacks (start-dev registers them only on a new database). */
async function registerSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const conn = await Connection.connect({ address, connectTimeout: 10_000 });
  try {
    return await ensureSearchAttributes(conn, namespace, { address });
  } finally {
    await conn.close().catch(() => undefined);
  }
}

function pick(s: DevServerState, stateDir: string) {
  return { address: s.address, pid: s.pid, stateDir, logFile: s.logFile, ...(s.uiUrl ? { uiUrl: s.uiUrl } : {}) };
}

const DB_FILE = 'temporal.db';

async function ensureNamespace(address: string, namespace: string): Promise<void> {
  if (await answers(address, namespace, 3_000)) return;
  await runTemporalCli(['operator', 'namespace', 'create', '--address', address, '--namespace', namespace]);
  // Namespace creation reaches the frontend's cache after a short delay.
  const deadline = Date.now() + 30_000;
  while (!(await answers(address, namespace, 3_000))) {
    if (Date.now() > deadline) throw new SlimflowError('RUNTIME', `namespace ${namespace} did not appear`, address);
    await sleep(250);
  }
}

/** True when a frontend at `address` serves `namespace` within `timeoutMs`. */
async function answers(address: string, namespace: string, timeoutMs: number): Promise<boolean> {
  let conn: Connection | undefined;
  try {
    conn = await Connection.connect({ address, connectTimeout: timeoutMs });
    await conn.withDeadline(Date.now() + timeoutMs, () => conn!.workflowService.describeNamespace({ namespace }));
    return true;
  } catch {
    return false;
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

async function startServer(stateDir: string, namespace: string, timeoutMs: number, dynamicConfig: Record<string, unknown>): Promise<DevServerState> {
  const bin = resolveTemporalBin();
  const dbFile = path.join(stateDir, DB_FILE);
  const logFile = path.join(stateDir, 'server.log');
  const freshDb = !fs.existsSync(dbFile);
  const ports = { grpc: await freePort(), http: await freePort(), metrics: await freePort(), ui: await freePort() };
  const args = [
    'server', 'start-dev',
    '--db-filename', dbFile,
    '--ip', '127.0.0.1', '--ui-ip', '127.0.0.1',
    '--port', String(ports.grpc), '--http-port', String(ports.http), '--metrics-port', String(ports.metrics), '--ui-port', String(ports.ui),
    '--log-level', 'error',
    ...(namespace === 'default' ? [] : ['--namespace', namespace]),
    ...SLIMFLOW_SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]),
    ...Object.entries(dynamicConfig).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
  ];
  const logFd = fs.openSync(logFile, 'a');
  fs.writeSync(logFd, `\n--- ${new Date().toISOString()} ${bin} ${args.join(' ')}\n`);
  // Own process group and no pipes to us: the server must survive the command that started it.
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  child.unref();
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ? `signal ${signal}` : `exit code ${code}`));
  child.once('error', (e) => (exited = e.message));

  const state: DevServerState = {
    pid: child.pid ?? -1,
    address: `127.0.0.1:${ports.grpc}`,
    namespace,
    ports,
    uiUrl: `http://127.0.0.1:${ports.ui}`,
    dbFile,
    logFile,
    startedAt: new Date().toISOString(),
  };
  // Recorded before it is healthy, so a crash of ours mid-wait leaves a server we can still stop.
  if (child.pid) writeState(stateDir, state);

  const deadline = Date.now() + timeoutMs;
  while (!(await answers(state.address, namespace, 2_000))) {
    if (exited || Date.now() > deadline) {
      const why = exited ? `exited (${exited})` : `did not answer within ${timeoutMs} ms`;
      await terminate(state);
      removeState(stateDir);
      throw new SlimflowError('RUNTIME', `temporal dev server ${why}; see its log`, logFile);
    }
    await sleep(200);
  }
  if (!freshDb) await registerSearchAttributes(state.address, namespace);
  return state;
}

async function terminate(state: DevServerState): Promise<void> {
  if (!isServerProcess(state.pid, state.dbFile)) return;
  signal(state.pid, 'SIGTERM');
  // The dev server drains for a few seconds on SIGTERM before it exits.
  if (await exitsWithin(state.pid, 20_000)) return;
  signal(state.pid, 'SIGKILL');
  if (!(await exitsWithin(state.pid, 5_000))) {
    throw new SlimflowError('RUNTIME', `dev server pid ${state.pid} survived SIGKILL`, state.logFile);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // the whole group: start-dev is its leader
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}
