// Run one job from the CLI: attach to it or start it (its id says what it is, so the same command
// twice is one job), host a worker for it, follow it through server outages, and answer Ctrl-C /
// SIGTERM by stopping it cleanly (or detaching with --detach), never leaving it RUNNING without a worker.
import { Client, WorkflowFailedError, WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { Command } from 'commander';
import { addOutputRoots } from '../core/artifacts/output-roots';
import { SlimflowError } from '../core/errors';
import { ensureDevServer, stopDevServer } from '../workers/dev-server';
import { ResolvedConnection, connectClient } from '../workers/connection';
import { buildWorker } from '../workers/start-worker';
import { ClusterFlags, cluster } from './cluster';
import { EXIT } from './exit-codes';
import { info } from './output';
import { showProgress } from './progress';
import { isUnreachable, rootMessage } from './temporal-errors';
import { CONTROLLABLE_TYPES } from './commands/status';

export interface JobFlags extends ClusterFlags {
  /** Commander's --no-local-worker turns this off: rely on workers already polling the queue. */
  localWorker: boolean;
  keepServer?: boolean;
  /** On Ctrl-C / SIGTERM leave the job running (and say how to follow it) instead of stopping it. */
  detach?: boolean;
  /** Use this workflow id instead of the one derived from the job's content. */
  workflowId?: string;
  /** Run again even when a job with this id already completed. */
  rerun?: boolean;
  /** Folders this command's worker may write outputs to (besides .slimflow and SLIMFLOW_OUTPUT_ROOTS). */
  outputRoot?: string[];
}

/** The flags of every command that runs a job. */
export function withJobFlags(cmd: Command): Command {
  return cmd
    .option('--no-local-worker', 'do not run a worker in this process; rely on `slimflow worker` processes')
    .option('--keep-server', 'leave the embedded dev server running afterwards')
    .option('--detach', 'on Ctrl-C / SIGTERM leave the job running in Temporal (print how to follow it) instead of stopping it')
    .option('--workflow-id <id>', 'workflow id of the job (default: derived from the config, model and data, so the same command attaches to the same job)')
    .option('--rerun', 'run again even if a job with this id already completed (default: report its result)')
    .option('--output-root <dir...>', 'a folder outputs may be written to (repeatable; see README "Output roots")', []);
}

/** What to start: workflow type, id and arguments. */
export interface JobSpec {
  type: string;
  workflowId: string;
  args: unknown[];
}

/** How a job ended for the CLI. */
export interface JobOutcome<T> {
  workflowId: string;
  /** The workflow's result (also after a stop: a stopped job finishes with its best so far). */
  result?: T;
  /** Stopped or cancelled by a signal. */
  interrupted: boolean;
  /** The best so far of a cancelled job, from its progress query. */
  bestSoFar?: string;
  /** Left running (--detach and a signal). */
  detached?: boolean;
}

/** The exit code of a job's outcome; `ok` says whether its result is a success (e.g. target met). */
export function exitCodeOf(o: JobOutcome<unknown>, ok: boolean): number {
  if (o.detached) return EXIT.DETACHED;
  if (o.interrupted) return EXIT.INTERRUPTED;
  return ok ? EXIT.OK : EXIT.TARGET_MISSED;
}

/** Seconds the client keeps retrying an unreachable server (SLIMFLOW_SERVER_PATIENCE_SECONDS, default 900). */
export const serverPatienceMs = () => 1000 * Number(process.env.SLIMFLOW_SERVER_PATIENCE_SECONDS ?? 900);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A client that finds its way back to the server after an outage (and to a restarted embedded server). */
class Link {
  client!: Client;
  private outageSince: number | null = null;
  constructor(public conn: ResolvedConnection) {}

  async connect(): Promise<void> {
    this.client = await this.retry('connect', () => connectClient(this.conn));
  }

  /** Run fn; while the server is unreachable, print one line and retry with backoff, up to the patience. */
  async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let delay = 500;
    for (;;) {
      try {
        const v = await fn();
        if (this.outageSince !== null) {
          info(`server reachable again after ${Math.round((Date.now() - this.outageSince) / 1000)} s`);
          this.outageSince = null;
        }
        return v;
      } catch (e) {
        if (!isUnreachable(e)) throw e;
        if (this.outageSince === null) {
          this.outageSince = Date.now();
          info('server unreachable, retrying…');
        }
        const down = Date.now() - this.outageSince;
        if (down > serverPatienceMs()) {
          throw new SlimflowError('RUNTIME', `temporal server unreachable for ${Math.round(down / 1000)} s while trying to ${what} (${rootMessage(e)}); the job goes on when the server is back: \`slimflow status <id>\``, this.conn.address, { cause: e });
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
        if (this.conn.embedded && down > 3_000) await this.reviveEmbedded();
      }
    }
  }

  // The embedded server is ours to keep alive: restart it on the same SQLite file (it may take new ports).
  private async reviveEmbedded(): Promise<void> {
    try {
      const server = await ensureDevServer({ namespace: this.conn.namespace });
      if (server.address !== this.conn.address) {
        info(`embedded dev server back at ${server.address}`);
        this.conn = { ...this.conn, address: server.address };
        await this.client?.connection.close().catch(() => undefined);
        this.client = await connectClient(this.conn);
      }
    } catch {
      // Not yet; the next round tries again.
    }
  }
}

/** A worker in this process that is rebuilt if it dies (e.g. after a long outage), until stopped. */
class LocalWorker {
  private worker: Worker | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  constructor(private readonly link: Link, private readonly taskQueue: string) {}

  async start(): Promise<void> {
    this.worker = await this.link.retry('start the local worker', () => buildWorker(this.link.conn, { taskQueue: this.taskQueue }));
    this.loop = this.supervise();
  }

  private async supervise(): Promise<void> {
    while (!this.stopped) {
      const w = this.worker!;
      const address = this.link.conn.address;
      const watch = setInterval(() => { if (this.link.conn.address !== address && w.getState() === 'RUNNING') w.shutdown(); }, 1000);
      try {
        await w.run();
      } catch (e) {
        if (!this.stopped) info(`local worker stopped (${rootMessage(e)}); starting it again`);
      } finally {
        clearInterval(watch);
      }
      if (this.stopped) return;
      await sleep(1000);
      this.worker = await this.link.retry('restart the local worker', () => buildWorker(this.link.conn, { taskQueue: this.taskQueue })).catch(() => undefined);
      if (!this.worker) return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    try {
      if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    } catch {
      // already stopping
    }
    await this.loop?.catch(() => undefined);
  }
}

/** Find the job by id: attach if running, report if completed (unless rerun), else start it. */
async function attachOrStart(link: Link, spec: JobSpec, flags: JobFlags): Promise<WorkflowHandle> {
  const existing = await link.retry('look the job up', () => link.client.workflow.getHandle(spec.workflowId).describe()).catch((e) => {
    if (e instanceof WorkflowNotFoundError) return null;
    throw e;
  });
  if (existing?.status.name === 'COMPLETED' && !flags.rerun) {
    info(`job ${spec.workflowId} already completed (${existing.closeTime?.toISOString() ?? ''}); its result follows (--rerun to run it again)`);
    return link.client.workflow.getHandle(spec.workflowId, existing.runId);
  }
  if (existing?.status.name === 'RUNNING') info(`job ${spec.workflowId} is already running: attaching to it`);
  const handle = await link.retry('start the job', () =>
    link.client.workflow.start(spec.type, {
      taskQueue: flags.taskQueue,
      workflowId: spec.workflowId,
      args: spec.args,
      // Same id, same job: a second start while it runs attaches; a finished one may run again.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    }),
  );
  if (existing?.status.name !== 'RUNNING') info(`workflow ${handle.workflowId} started on task queue ${flags.taskQueue}${existing ? ` (the earlier run ${existing.status.name})` : ''}`);
  return handle;
}

const followCommands = (id: string) => `follow it with \`slimflow status ${id}\`, stop it with \`slimflow cancel ${id}\`, or run the same command again to attach`;

/**
 * Run a job to its end with a progress display. On the embedded server a worker runs in this
 * process (unless --no-local-worker); a server this call started is stopped after.
 */
export async function runJob<T>(flags: JobFlags, spec: JobSpec): Promise<JobOutcome<T>> {
  addOutputRoots(flags.outputRoot ?? []);
  const id = flags.workflowId ?? spec.workflowId;
  const link = new Link(await cluster(flags));
  await link.connect();
  const local = flags.localWorker ? new LocalWorker(link, flags.taskQueue) : undefined;
  const done = { done: false };
  let interrupted = false;
  let bestSoFar: string | undefined;
  let handle: WorkflowHandle | undefined;
  const signals = ['SIGINT', 'SIGTERM'] as const;
  let onSignal: (() => void) | undefined;
  try {
    if (local) await local.start();
    handle = await attachOrStart(link, { ...spec, workflowId: id }, flags);
    const h = handle;
    let detach: (() => void) | undefined;
    const detached = new Promise<'detached'>((r) => { detach = () => r('detached'); });
    let count = 0;
    onSignal = () => {
      count++;
      if (count > 1) {
        // A second signal quits at once; a job whose only worker was ours must not stay RUNNING.
        info('second signal: quitting now');
        const bye = () => process.exit(EXIT.INTERRUPTED);
        if (local && !flags.detach) void h.terminate('slimflow: second Ctrl-C / SIGTERM').catch(() => undefined).finally(bye);
        else bye();
        setTimeout(bye, 3000).unref();
        return;
      }
      if (flags.detach || !local) {
        info(`detached: job ${id} goes on${local ? ' (it has no worker until one starts: `slimflow worker`, or this same command)' : ''}; ${followCommands(id)}`);
        detach!();
        return;
      }
      interrupted = true;
      info('stopping the job: it ends with its best so far (press Ctrl-C again to quit at once)');
      void stopJob(link, h).then((b) => { bestSoFar = b; }).catch((e) => info(`could not stop the job: ${rootMessage(e)}`));
    };
    for (const s of signals) process.on(s, onSignal);

    const progress = showProgress(h, done);
    try {
      const r = await Promise.race([followResult<T>(link, h), detached]);
      if (r === 'detached') return { workflowId: id, interrupted: false, detached: true };
      return { workflowId: id, result: r, interrupted };
    } catch (e) {
      if (interrupted && isCancelled(e)) return { workflowId: id, interrupted, ...(bestSoFar ? { bestSoFar } : {}) };
      throw e;
    } finally {
      done.done = true;
      await progress;
    }
  } finally {
    if (onSignal) for (const s of signals) process.off(s, onSignal);
    await local?.stop();
    await link.client?.connection.close().catch(() => undefined);
    if (link.conn.startedServer && !flags.keepServer) await stopDevServer(link.conn.startedServer.stateDir);
  }
}

/** The result, waiting through outages (a handle is made from the current client each round: it may have been renewed). */
function followResult<T>(link: Link, handle: WorkflowHandle): Promise<T> {
  return link.retry('follow the job', () => link.client.workflow.getHandle(handle.workflowId).result()) as Promise<T>;
}

/** Stop a job cleanly: controllable jobs finish with their best (stop signal); others are cancelled. */
async function stopJob(link: Link, handle: WorkflowHandle): Promise<string | undefined> {
  const h = link.client.workflow.getHandle(handle.workflowId);
  const d = await link.retry('stop the job', () => h.describe());
  if (CONTROLLABLE_TYPES.has(d.type)) {
    await h.signal('stop');
    return undefined;
  }
  const p = await h.query<{ best?: { label: string } }>('progress').catch(() => undefined);
  await h.cancel();
  return p?.best?.label;
}

function isCancelled(e: unknown): boolean {
  return e instanceof WorkflowFailedError && e.cause instanceof CancelledFailure;
}
