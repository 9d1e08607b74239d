// Two machines in miniature: two worker processes in different working folders with caches of
// their own, sharing only the Temporal server and an S3 bucket (versitygw). One is SIGKILLed in the
// middle of a PTQ job; the other finishes it from the bucket. The artifacts hash as a local-store
// run's do, and no history carries a machine path as a file:// reference.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { PipelineProgress } from '../../core/pipeline';
import type { JobReport } from '../../core/report/report';
import { clsJob, Harness, startHarness, tmpDir } from './harness';
import { testTemporal, uniqueTaskQueue } from './setup/server';
import { S3Server, startS3Server } from './setup/versitygw';
import { killGroup } from './worker-process';

const repo = path.resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A `slimflow worker` started in `cwd` with the S3 store and a cache under `cwd`. */
function startMachine(cwd: string, env: Record<string, string>, args: string[]): ChildProcess {
  fs.mkdirSync(cwd, { recursive: true });
  const out = fs.openSync(path.join(cwd, 'worker.log'), 'a');
  return spawn(path.join(repo, 'bin', 'slimflow'), ['worker', ...args], {
    cwd,
    env: { ...process.env, ...env, SLIMFLOW_CACHE: path.join(cwd, 'cache'), SLIMFLOW_THREADS: '1' },
    stdio: ['ignore', out, out],
    detached: true,
  });
}

/** The process group of a pid (field 5 of /proc/<pid>/stat). */
const groupOf = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[2]);

/** A history as text: payloads decoded (bytes, or base64 in the proto's JSON form; the JSON converter writes UTF-8), so references can be searched. */
function historyText(history: unknown): string {
  return JSON.stringify(history, (k, v) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (k === 'data' && typeof v === 'string') return Buffer.from(v, 'base64').toString('utf8');
    return v;
  });
}

/** The histories of a workflow and every child it started, as text. */
async function familyHistories(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const out = [historyText(history)];
  for (const e of history.events ?? []) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    if (child) out.push(...(await familyHistories(client, child)));
  }
  return out;
}

/** What must not depend on where the job ran: every model's hash, by label. */
const artifactHashes = (r: JobReport) => ({
  best: r.best.model.sha256,
  candidates: Object.fromEntries(r.candidates.map((c) => [c.label, c.model.sha256])),
});

const filesUnder = (dir: string) => (fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).length : 0);

describe('workers on two machines sharing an S3 store', () => {
  let s3: S3Server;
  let local: Harness;
  const started: ChildProcess[] = [];
  beforeAll(async () => {
    s3 = await startS3Server();
    local = await startHarness('s3-local-ref');
  });
  afterAll(async () => {
    for (const c of started) await killGroup(c);
    await local?.stop();
    await s3?.stop();
  });

  it('finish a job when one is SIGKILLed mid-job, with the artifacts of a local-store run and no file:// in any history', async () => {
    const { address, namespace } = testTemporal();
    const taskQueue = uniqueTaskQueue('s3-machines');
    const root = tmpDir('s3-machines');
    const env = { ...s3.env, SLIMFLOW_STORE: `s3://${s3.bucket}/slimflow` };
    const args = ['--address', address, '--namespace', namespace, '--task-queue', taskQueue, '--max-activities', '1'];
    const machines = ['machine-a', 'machine-b'].map((m) => path.join(root, m));
    for (const m of machines) started.push(startMachine(m, env, args));

    const client = new Client({ connection: await Connection.connect({ address }), namespace });
    try {
      const workflowId = `s3-machines-${taskQueue}`;
      const handle = await client.workflow.start('autoCompress', { taskQueue, workflowId, args: [{ config: clsJob(path.join(root, 'out')) }] });

      // Mid-job: a step has finished and another runs. Kill the worker that runs it.
      let victim: ChildProcess | undefined;
      for (let i = 0; i < 900 && !victim; i++) {
        const progress = await handle.query<PipelineProgress>('progress').catch(() => undefined);
        const statuses = Object.values(progress?.steps ?? {}).map((s) => s.status);
        if (statuses.includes('succeeded') && statuses.includes('running')) {
          const pending = (await handle.describe()).raw.pendingActivities ?? [];
          const pids = pending.map((p) => Number(String(p.lastWorkerIdentity ?? '').split('@')[0])).filter((p) => p > 0 && fs.existsSync(`/proc/${p}`));
          victim = started.find((c) => pids.some((p) => groupOf(p) === c.pid));
        }
        // A worker that died on its own (it failed to start) would leave the job waiting forever.
        const dead = started.findIndex((c) => c.exitCode !== null || c.signalCode !== null);
        if (dead >= 0) throw new Error(`worker ${machines[dead]} exited: ${fs.readFileSync(path.join(machines[dead], 'worker.log'), 'utf8').slice(-2000)}`);
        if (!victim) await sleep(200);
      }
      expect(victim, 'a worker running an activity mid-job').toBeDefined();
      await killGroup(victim!, 'SIGKILL');
      const survivor = started.find((c) => c !== victim)!;

      const report = (await handle.result()) as JobReport;
      expect(report.best.agreement).toBeGreaterThanOrEqual(99);
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      // The survivor read what the killed worker had put: through the bucket, into its own cache.
      const survivorDir = machines[started.indexOf(survivor)];
      expect(filesUnder(path.join(survivorDir, 'cache', 'models'))).toBeGreaterThan(0);
      expect(fs.existsSync(path.join(survivorDir, '.slimflow', 'store'))).toBe(false);

      // The same job on one in-process worker with a local folder store: the same models.
      const reference = (await local.client.workflow.execute('autoCompress', {
        taskQueue: local.taskQueue, workflowId: `s3-local-ref-${local.taskQueue}`, args: [{ config: clsJob(tmpDir('s3-local-out')) }],
      })) as JobReport;
      expect(artifactHashes(report)).toEqual(artifactHashes(reference));
      expect(report.candidates.length).toBeGreaterThan(0);

      // References in the histories are store keys: no machine path behind a file:// scheme.
      const texts = await familyHistories(client, workflowId);
      const all = texts.join('\n');
      expect(all).toContain(`slimflow:models/${report.best.model.sha256.slice(0, 2)}/${report.best.model.sha256}.onnx`);
      expect(all).not.toContain('file://');
      // Figures for the scale plan (printed, not asserted): events and sizes of this job's history.
      const events = (await handle.fetchHistory()).events ?? [];
      const results = events.map((e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data?.length ?? 0).filter((n) => n > 0).sort((x, y) => x - y);
      console.log(`[s3-machines] ${events.length} events, history ${texts[0].length} bytes decoded; ${results.length} activity results, median ${results[results.length >> 1]}, largest ${results[results.length - 1]} (payload length as fetched)`);
      await killGroup(survivor, 'SIGTERM');
    } finally {
      await client.connection.close();
    }
  }, 420_000);
});
