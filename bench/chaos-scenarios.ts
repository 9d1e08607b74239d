// The chaos run's scenarios (bench/chaos.ts prints their table; test/integration/chaos-fast.test.ts
// runs the fast ones in CI). Each crashes something real — a worker SIGKILLed at a failpoint, the
// dev server stopped and started again — and checks what a user relies on: the job completes,
// every step completed exactly once (history counts), the artifacts are the reference run's, and no
// temp file is left behind.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as yaml from 'js-yaml';
import { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { ppocrModel, CLS_MODEL } from '../test/fixtures/models';
import { ensureDevServer, stopDevServer } from '../workers/dev-server';

const repo = path.resolve(__dirname, '..');
const tsx = path.join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** One row of the chaos table. */
export interface ChaosRow {
  scenario: string;
  /** The crash happened (the failpoint was reached, the server was stopped). */
  crashed: boolean;
  status: string;
  /** Every activity id scheduled once and completed once; for fleets, one history line per model. */
  exactlyOnce: boolean;
  /** Candidate model hashes equal the reference run's (null: no reference). */
  identical: boolean | null;
  leftovers: string[];
  seconds: number;
  note?: string;
}

export interface ChaosEnv {
  dir: string;
  address: string;
  namespace: string;
  client: Client;
  stateDir?: string;
}

/** A tiny classifier job: 16 calibration and 32 eval lines, two candidates. */
export function tinyConfig(outputDir: string) {
  return {
    Global: {
      model: ppocrModel(CLS_MODEL), input_name: 'x', input_shape: [8, 3, 48, 192], task: 'ocr-cls',
      calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 11 },
      eval_data: { kind: 'rendered-textlines', task: 'cls', count: 32, seed: 12 },
      deploy: { threads: 1, max_accuracy_drop: 10 },
      output_dir: outputDir,
    },
    QuantPost: { algo: 'abs_max', batch_size: 8, batch_num: 2 },
  };
}

/** A `slimflow worker` in its own process group. */
export function spawnWorker(env: ChaosEnv, taskQueue: string, store: string, extra: Record<string, string> = {}): ChildProcess {
  const log = fs.openSync(path.join(env.dir, 'workers.log'), 'a');
  return spawn(process.execPath, [tsx, path.join(repo, 'cli', 'main.ts'), 'worker', '--address', env.address, '--namespace', env.namespace, '--task-queue', taskQueue], {
    cwd: repo,
    env: { ...process.env, SLIMFLOW_STORE: store, SLIMFLOW_THREADS: '1', SLIMFLOW_OUTPUT_ROOTS: env.dir, ...extra },
    stdio: ['ignore', log, log],
    detached: true,
  });
}

export async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    return;
  }
  await gone;
}

const exited = (c: ChildProcess) => new Promise<'exited'>((r) => (c.exitCode !== null || c.signalCode !== null ? r('exited') : c.once('exit', () => r('exited'))));

/**
 * Names a crash could leave half-written (`….tmp-…`) under the folders, and registry state folders
 * beyond the two a registry keeps (the one `.state` links to and the previous, for slow readers).
 */
export function leftovers(...dirs: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    if (!fs.existsSync(d)) continue;
    const names = fs.readdirSync(d, { recursive: true }) as string[];
    for (const e of names) if (/\.tmp-/.test(e)) out.push(path.join(path.basename(d), e));
    const states = new Map<string, string[]>();
    for (const e of names) if (/^\.state-/.test(path.basename(e))) states.set(path.dirname(e), [...(states.get(path.dirname(e)) ?? []), e]);
    for (const list of states.values()) if (list.length > 2) out.push(...list.map((e) => path.join(path.basename(d), e)));
  }
  return out;
}

type Counts = Map<string, { scheduled: number; completed: number; type: string; attempts: number }>;
type HistoryEvents = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>;

/** Per activity id of one run's history: how often it was scheduled and completed, its type and last attempt. */
function countsOf(events: HistoryEvents, counts: Counts = new Map(), prefix = ''): Counts {
  const byEvent = new Map<string, string>();
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      const id = `${prefix}${s.activityId ?? ''}`;
      byEvent.set(String(e.eventId), id);
      const c = counts.get(id) ?? { scheduled: 0, completed: 0, type: s.activityType?.name ?? '', attempts: 0 };
      c.scheduled++;
      counts.set(id, c);
    }
    const st = e.activityTaskStartedEventAttributes;
    if (st) counts.get(byEvent.get(String(st.scheduledEventId))!)!.attempts = st.attempt ?? 1;
    const done = e.activityTaskCompletedEventAttributes;
    if (done) counts.get(byEvent.get(String(done.scheduledEventId))!)!.completed++;
  }
  return counts;
}

/** Per activity id: how often it was scheduled and completed. */
async function activityCounts(handle: WorkflowHandle): Promise<Counts> {
  return countsOf((await handle.fetchHistory()).events ?? []);
}

/** Activity counts over every run of a workflow id (a search continues as new), each run's ids kept apart. */
async function allRunCounts(client: Client, workflowId: string): Promise<{ counts: Counts; runs: number }> {
  const counts: Counts = new Map();
  let runs = 0;
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    countsOf((await client.workflow.getHandle(workflowId, w.runId).fetchHistory()).events ?? [], counts, `${w.runId}:`);
    runs++;
  }
  return { counts, runs };
}

const exactlyOnce = (counts: Map<string, { scheduled: number; completed: number }>) => [...counts.values()].every((c) => c.scheduled === 1 && c.completed === 1);

type Report = { candidates: { model: { sha256: string } }[]; best: { label: string } };
const candidateHashes = (r: Report) => r.candidates.map((c) => c.model.sha256).sort();

/**
 * Run the tiny job with a worker that SIGKILLs itself at the failpoint `glob` (see
 * core/artifacts/failpoint.ts), then finish it with a fresh worker. Returns the row and the
 * candidate hashes (the reference, when run without a failpoint).
 */
export async function failpointScenario(env: ChaosEnv, name: string, glob: ((out: string, store: string) => string) | null, reference?: string[]): Promise<{ row: ChaosRow; hashes: string[] }> {
  const t0 = Date.now();
  const tag = `${name.replace(/[^a-z0-9]+/gi, '-')}-${randomUUID().slice(0, 6)}`;
  const out = path.join(env.dir, `out-${tag}`);
  const store = path.join(env.dir, `store-${tag}`);
  const taskQueue = `chaos-${tag}`;
  const workers: ChildProcess[] = [];
  try {
    const first = spawnWorker(env, taskQueue, store, glob ? { SLIMFLOW_FAILPOINTS: glob(out, store), SLIMFLOW_FAILPOINT_DIR: path.join(env.dir, `fp-${tag}`) } : {});
    workers.push(first);
    const handle = await env.client.workflow.start('autoCompress', { taskQueue, workflowId: `chaos-${tag}`, args: [{ config: tinyConfig(out) }] });
    const result = handle.result() as Promise<Report>;
    result.catch(() => undefined);
    const first_ = await Promise.race([result.then(() => 'done' as const), exited(first)]);
    const crashed = first_ === 'exited';
    if (crashed) workers.push(spawnWorker(env, taskQueue, store));
    let report: Report | undefined;
    let status = 'COMPLETED';
    try {
      report = await result;
    } catch (e) {
      status = `FAILED: ${(e as Error).message}`;
    }
    const hashes = report ? candidateHashes(report) : [];
    return {
      hashes,
      row: {
        scenario: name,
        crashed: glob ? crashed : false,
        status,
        exactlyOnce: exactlyOnce(await activityCounts(handle)),
        identical: reference ? JSON.stringify(hashes) === JSON.stringify(reference) : null,
        leftovers: leftovers(out, store),
        seconds: Math.round((Date.now() - t0) / 1000),
        ...(glob && !crashed ? { note: 'failpoint not reached' } : {}),
      },
    };
  } finally {
    for (const w of workers) await killGroup(w);
  }
}

/** The dev server (private, on its SQLite file) stopped mid-job and started again; a new worker finishes the job. */
export async function serverRestartScenario(env: ChaosEnv & { stateDir: string }, reference?: string[]): Promise<{ row: ChaosRow; env: ChaosEnv & { stateDir: string } }> {
  const t0 = Date.now();
  const tag = `server-${randomUUID().slice(0, 6)}`;
  const out = path.join(env.dir, `out-${tag}`);
  const store = path.join(env.dir, `store-${tag}`);
  const taskQueue = `chaos-${tag}`;
  const workers: ChildProcess[] = [spawnWorker(env, taskQueue, store)];
  let next = env;
  try {
    const workflowId = `chaos-${tag}`;
    const handle = await env.client.workflow.start('autoCompress', { taskQueue, workflowId, args: [{ config: tinyConfig(out) }] });
    // Wait until the job is inside its stages, then stop the server under it.
    for (let i = 0; i < 600; i++) {
      const p = await handle.query<{ percent?: number }>('progress').catch(() => undefined);
      if ((p?.percent ?? 0) > 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await env.client.connection.close();
    await stopDevServer(env.stateDir);
    await killGroup(workers[0]);
    const server = await ensureDevServer({ stateDir: env.stateDir });
    const client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: server.namespace });
    next = { ...env, address: server.address, namespace: server.namespace, client };
    workers.push(spawnWorker(next, taskQueue, store));
    const h2 = client.workflow.getHandle(workflowId);
    let status = 'COMPLETED';
    let report: Report | undefined;
    try {
      report = (await h2.result()) as Report;
    } catch (e) {
      status = `FAILED: ${(e as Error).message}`;
    }
    const hashes = report ? candidateHashes(report) : [];
    return {
      env: next,
      row: {
        scenario: 'dev server stopped and restarted mid-job',
        crashed: true,
        status,
        exactlyOnce: exactlyOnce(await activityCounts(h2)),
        identical: reference ? JSON.stringify(hashes) === JSON.stringify(reference) : null,
        leftovers: leftovers(out, store),
        seconds: Math.round((Date.now() - t0) / 1000),
      },
    };
  } finally {
    for (const w of workers) await killGroup(w);
  }
}

/** The fleet failpoints: after the version folder's rename, and between the two files of the registry pair. */
export const FLEET_POINTS = {
  'fleet-after-rename': 'fleet worker killed between rename and history line',
  'fleet-between-state-files': 'fleet worker killed between writing history.jsonl and latest.json',
} as const;

/** A fleet of one model whose publishing worker dies at a registry failpoint (see FLEET_POINTS). */
export async function fleetPublishScenario(env: ChaosEnv, point: keyof typeof FLEET_POINTS = 'fleet-after-rename'): Promise<ChaosRow> {
  const t0 = Date.now();
  const tag = `fleet-${randomUUID().slice(0, 6)}`;
  const dir = path.join(env.dir, tag);
  const store = path.join(env.dir, `store-${tag}`);
  const taskQueue = `chaos-${tag}`;
  fs.mkdirSync(dir, { recursive: true });
  const { Global, ...rest } = tinyConfig(path.join(dir, 'unused'));
  const { output_dir: _o, model, ...g } = Global;
  const manifest = path.join(dir, 'fleet.yaml');
  fs.writeFileSync(manifest, yaml.dump({ name: tag, registry: path.join(dir, 'registry'), concurrency: 1, defaults: { config: { Global: g, ...rest }, acceptance: { max_accuracy_drop: 50, min_speedup: 0.01 } }, models: [{ name: 'cls', model }] }));
  const workers: ChildProcess[] = [spawnWorker(env, taskQueue, store, { SLIMFLOW_FAILPOINTS: point, SLIMFLOW_FAILPOINT_DIR: path.join(dir, 'fp') })];
  try {
    const handle = await env.client.workflow.start('fleetRecompress', { taskQueue, workflowId: `chaos-${tag}`, args: [{ manifestPath: manifest }] });
    const result = handle.result();
    result.catch(() => undefined);
    const crashed = (await Promise.race([result.then(() => 'done' as const), exited(workers[0])])) === 'exited';
    if (crashed) workers.push(spawnWorker(env, taskQueue, store));
    let status = 'COMPLETED';
    try {
      await result;
    } catch (e) {
      status = `FAILED: ${(e as Error).message}`;
    }
    const root = path.join(dir, 'registry', 'cls');
    const history = fs.existsSync(path.join(root, 'history.jsonl')) ? fs.readFileSync(path.join(root, 'history.jsonl'), 'utf8').trim().split('\n').filter(Boolean) : [];
    const latest = fs.existsSync(path.join(root, 'latest.json')) ? JSON.parse(fs.readFileSync(path.join(root, 'latest.json'), 'utf8')) as { key: string } : null;
    const once = history.length === 1 && (!latest || JSON.parse(history[0]).key === latest.key);
    return {
      scenario: FLEET_POINTS[point],
      crashed,
      status,
      exactlyOnce: once,
      identical: null,
      leftovers: leftovers(path.join(dir, 'registry'), store),
      seconds: Math.round((Date.now() - t0) / 1000),
      note: `${history.length} history line(s), latest ${latest ? 'set' : 'unset'}`,
    };
  } finally {
    for (const w of workers) await killGroup(w);
  }
}

/** A YAML alias bomb sent to runPipeline as text: fails once, in its checking activity. */
export async function aliasBombScenario(env: ChaosEnv): Promise<ChaosRow> {
  const t0 = Date.now();
  const tag = `bomb-${randomUUID().slice(0, 6)}`;
  const taskQueue = `chaos-${tag}`;
  const w = spawnWorker(env, taskQueue, path.join(env.dir, `store-${tag}`));
  try {
    const lines = ['name: bomb', 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
    const handle = await env.client.workflow.start('runPipeline', { taskQueue, workflowId: `chaos-${tag}`, args: [{ pipeline: `${lines.join('\n')}\nsteps: {}\n`, inputs: {} }] });
    const status = await handle.result().then(() => 'COMPLETED', (e: Error) => `FAILED: ${String((e.cause as Error)?.message ?? e.message).slice(0, 60)}`);
    const counts = await activityCounts(handle);
    const events = (await handle.fetchHistory()).events ?? [];
    const attempts = events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    const taskFailures = events.filter((e) => e.workflowTaskFailedEventAttributes).length;
    return {
      scenario: 'YAML alias bomb sent to runPipeline',
      crashed: false,
      status,
      exactlyOnce: counts.size === 1 && attempts.length === 1 && attempts[0] === 1 && taskFailures === 0,
      identical: null,
      leftovers: [],
      seconds: Math.round((Date.now() - t0) / 1000),
      note: `activity attempts ${attempts.join(',')}, workflow task failures ${taskFailures}`,
    };
  } finally {
    await killGroup(w);
  }
}

/** The tiny job with a PTQ search: 6 trials of 8 configurations (calibrators × Q/DQ placements), in batches of 4, a new run every 4. */
export function searchConfig(outputDir: string) {
  const c = tinyConfig(outputDir);
  return { ...c, HyperParameterOptimization: { ptq_algo: ['abs_max', 'avg', 'hist', 'mse'], max_quant_count: 6 } };
}

/** The process group (a spawned worker's pid) of a process, from /proc. */
function processGroup(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return null;
  }
}

/** The worker running one of the workflow's activities now (by the SDK's identity, `<pid>@<host>`), if any. */
async function busyWorker(handle: WorkflowHandle, workers: ChildProcess[]): Promise<ChildProcess | undefined> {
  const d = await handle.describe().catch(() => undefined);
  for (const a of d?.raw.pendingActivities ?? []) {
    const pid = Number(/^(\d+)@/.exec(a.lastWorkerIdentity ?? '')?.[1]);
    const group = Number.isFinite(pid) ? processGroup(pid) : null;
    const w = workers.find((x) => x.exitCode === null && x.signalCode === null && x.pid === group);
    if (w && a.lastStartedTime) return w;
  }
  return undefined;
}

type SearchResult = { best: { model: { sha256: string } }; trials: { label: string; model: { sha256: string } }[]; trialsRun: number; runs: number };
/** What a kill must not change: the search's trials (label and hash, in order) and its best. */
export interface SearchOutcome { trials: string[]; best: string; chosen: string }

/**
 * A search job with `workers` worker processes on one task queue. With `kill`, the first worker is
 * SIGKILLed once the search has recorded two trials and is running more (between trials); with one
 * worker a fresh one takes over, with two the survivor finishes alone. Checks every activity of the
 * job and of every run of its search completed once, every trial recorded once, and the trials and
 * best equal to the reference (an uninterrupted run).
 */
export async function searchScenario(env: ChaosEnv, name: string, opts: { workers: 1 | 2; kill: boolean }, reference?: SearchOutcome): Promise<{ row: ChaosRow; outcome: SearchOutcome | null }> {
  const t0 = Date.now();
  const tag = `${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 30)}-${randomUUID().slice(0, 6)}`;
  const out = path.join(env.dir, `out-${tag}`);
  const store = path.join(env.dir, `store-${tag}`);
  const taskQueue = `chaos-${tag}`;
  const workers: ChildProcess[] = Array.from({ length: opts.workers }, () => spawnWorker(env, taskQueue, store));
  const workflowId = `chaos-${tag}`;
  const searchId = `${workflowId}/search`;
  try {
    const handle = await env.client.workflow.start('autoCompress', { taskQueue, workflowId, args: [{ config: searchConfig(out) }] });
    const result = handle.result() as Promise<Report & { best: { model: { sha256: string } } }>;
    result.catch(() => undefined);
    let crashed = false;
    let trialsAtKill: number | null = null;
    if (opts.kill) {
      const search = env.client.workflow.getHandle(searchId);
      for (let i = 0; i < 2400 && !crashed; i++) {
        const p = await search.query<{ search: { trials: number; budget: number }; stage: string }>('progress').catch(() => undefined);
        // The victim is a worker running one of the search's trials now, so the kill interrupts work.
        const victim = p && p.search.trials >= 2 && p.search.trials < p.search.budget ? await busyWorker(search, workers) : undefined;
        if (victim) {
          trialsAtKill = p!.search.trials;
          await killGroup(victim);
          crashed = true;
        } else {
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      if (crashed && opts.workers === 1) workers.push(spawnWorker(env, taskQueue, store));
    }
    let status = 'COMPLETED';
    let report: (Report & { best: { model: { sha256: string } } }) | undefined;
    try {
      report = await result;
    } catch (e) {
      status = `FAILED: ${(e as Error).message}`;
    }
    const searched = report ? ((await env.client.workflow.getHandle(searchId).result()) as SearchResult) : null;
    // Visibility lists a run shortly after it closes: wait until it lists as many runs as the search made.
    let search = await allRunCounts(env.client, searchId);
    for (let i = 0; searched && search.runs < searched.runs && i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250));
      search = await allRunCounts(env.client, searchId);
    }
    const job = await activityCounts(handle);
    const all = [...job.values(), ...search.counts.values()];
    const trials = [...search.counts.values()].filter((c) => c.type === 'ptqTrial');
    const outcome = searched && report
      ? { trials: searched.trials.map((t) => `${t.label}:${t.model.sha256.slice(0, 12)}`), best: searched.best.model.sha256, chosen: report.best.model.sha256 }
      : null;
    const once = all.every((c) => c.scheduled === 1 && c.completed === 1)
      && !!searched && trials.length === searched.trialsRun && new Set(searched.trials.map((t) => t.model.sha256)).size === searched.trials.length;
    const retried = all.filter((c) => c.attempts > 1).length;
    return {
      outcome,
      row: {
        scenario: name,
        crashed,
        status,
        exactlyOnce: once,
        identical: reference && outcome ? JSON.stringify(outcome.trials) === JSON.stringify(reference.trials) && outcome.best === reference.best : null,
        leftovers: leftovers(out, store),
        seconds: Math.round((Date.now() - t0) / 1000),
        note: [
          searched ? `${searched.trialsRun} trials in ${searched.runs} run(s), ${trials.length} ptqTrial completions` : '',
          trialsAtKill !== null ? `killed after ${trialsAtKill} trials` : opts.kill ? 'kill point not reached' : '',
          opts.kill ? `${retried} activit${retried === 1 ? 'y' : 'ies'} retried` : '',
          reference && outcome ? `job's chosen model ${outcome.chosen === reference.chosen ? 'same' : 'different'} (side-by-side timing)` : '',
        ].filter(Boolean).join('; '),
      },
    };
  } finally {
    for (const w of workers) await killGroup(w);
  }
}
