import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { Client, ScheduleOverlapPolicy, ScheduleNotFoundError } from '@temporalio/client';
import { parseFleetManifestYaml } from '../../core/fleet/manifest';
import { formatSummary } from '../../core/fleet/summary';
import type { FleetInput, FleetSummary, ResolvedFleet } from '../../core/fleet/types';
import { SlimflowError } from '../../core/errors';
import { connectClient } from '../../workers/connection';
import { ClusterFlags, cluster, withClusterFlags } from '../cluster';
import { exitCodeOf, JobFlags, runJob, withJobFlags } from '../job-runner';
import { fleetWorkflowId } from '../job-id';
import { addOutputRoots } from '../../core/artifacts/output-roots';
import { loadFleet } from '../../core/fleet/resolve';
import { checkFleetOutputs } from '../../activities/fleet-activities';
import { emit, fail, info } from '../output';
import { preflightFleetOrExit } from './check';

/** Validate a manifest file before anything starts; returns the workflow input (absolute paths), the fleet name and its resolved entries. */
export function fleetInputOf(manifestPath: string): { input: FleetInput; name: string; fleet: ResolvedFleet } {
  const file = path.resolve(manifestPath);
  if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'fleet manifest does not exist', file);
  const m = parseFleetManifestYaml(fs.readFileSync(file, 'utf8'), file);
  // The schedule re-reads the file at every run, so edits to the manifest apply to the next night.
  const input: FleetInput = { manifestPath: file, baseDir: process.cwd() };
  // Where it publishes is checked now (registry and each model's output under the output roots).
  const fleet = checkFleetOutputs(loadFleet(input));
  for (const e of fleet.entries) if (e.error && /output roots|symbolic link|existing file/.test(e.error)) throw new SlimflowError('INVALID_CONFIG', e.error, `models.${e.name}.output`);
  return { input, name: m.name, fleet };
}

const OVERLAP: Record<string, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
};

/** The CLI's name of a schedule's overlap policy (what `--overlap` takes). */
export const overlapName = (p: ScheduleOverlapPolicy | undefined): string =>
  Object.entries(OVERLAP).find(([, v]) => v === p)?.[0] ?? String(p ?? 'skip');

/** Create the fleet's schedule, or update it in place when the id exists; returns whether it was created. */
export async function upsertFleetSchedule(client: Client, opts: { id: string; cron: string; overlap: string; taskQueue: string; input: FleetInput; fleet: string }): Promise<'created' | 'updated'> {
  const overlap = OVERLAP[opts.overlap];
  if (overlap === undefined) throw new SlimflowError('INVALID_CONFIG', `unknown overlap policy "${opts.overlap}"; use one of ${Object.keys(OVERLAP).join(', ')}`, '--overlap');
  const spec = { cronExpressions: [opts.cron] };
  const action = { type: 'startWorkflow' as const, workflowType: 'fleetRecompress', taskQueue: opts.taskQueue, args: [opts.input], workflowId: `fleet-${opts.fleet}` };
  const handle = client.schedule.getHandle(opts.id);
  try {
    await handle.describe();
  } catch (e) {
    if (!(e instanceof ScheduleNotFoundError)) throw e;
    await client.schedule.create({ scheduleId: opts.id, spec, action, policies: { overlap, catchupWindow: '1 day' }, memo: { slimflowFleet: opts.fleet } });
    return 'created';
  }
  await handle.update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, overlap } }));
  return 'updated';
}

async function withClient<T>(flags: ClusterFlags, fn: (c: Client) => Promise<T>): Promise<T> {
  const conn = await cluster(flags);
  const client = await connectClient(conn);
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

const run = withJobFlags(withClusterFlags(
  new Command('run')
    .description('recompress the fleet once now (workflow fleetRecompress) and print the run summary; exits 3 when a model failed')
    .argument('<manifest>', 'fleet manifest (YAML)')
    .option('--json', 'print the summary as one JSON object on the last line'),
)).action(async (manifest: string, flags: JobFlags & { json?: boolean }) => {
  try {
    addOutputRoots(flags.outputRoot ?? []);
    const { input, fleet } = fleetInputOf(manifest);
    await preflightFleetOrExit(fleet); // each model's preflight before the fleet workflow starts
    const outcome = await runJob<FleetSummary>(flags, { type: 'fleetRecompress', workflowId: fleetWorkflowId(fleet), args: [input] });
    const summary = outcome.result;
    if (summary) emit(!!flags.json, summary, () => formatSummary(summary));
    else if (outcome.interrupted) info(`fleet run ${outcome.workflowId} cancelled; versions it published stay where they are`);
    process.exit(exitCodeOf(outcome, !!summary && summary.failed.length === 0));
  } catch (e) {
    fail(e);
  }
});

const schedule = withClusterFlags(
  new Command('schedule')
    .description('create or update a Temporal Schedule that runs the fleet (needs `slimflow worker` processes on the task queue)')
    .argument('<manifest>', 'fleet manifest (YAML)')
    .requiredOption('--cron <expr>', 'when to run, e.g. "0 2 * * *" (02:00 UTC every night)')
    .option('--id <scheduleId>', 'schedule id (default fleet-<manifest name>)')
    .option('--overlap <policy>', `when a run is due while the previous still runs: ${Object.keys(OVERLAP).join(', ')}`, 'skip')
    .option('--json', 'print { scheduleId, action } as JSON'),
).action(async (manifest: string, flags: ClusterFlags & { cron: string; id?: string; overlap: string; json?: boolean }) => {
  try {
    const { input, name } = fleetInputOf(manifest);
    const id = flags.id ?? `fleet-${name}`;
    const what = await withClient(flags, (c) => upsertFleetSchedule(c, { id, cron: flags.cron, overlap: flags.overlap, taskQueue: flags.taskQueue, input, fleet: name }));
    emit(!!flags.json, { scheduleId: id, action: what }, () => `schedule ${id} ${what}: cron "${flags.cron}", overlap ${flags.overlap}, task queue ${flags.taskQueue}`);
    process.exit(0);
  } catch (e) {
    fail(e);
  }
});

/** One `fleet <verb> <id>` command acting on a schedule handle. */
function scheduleVerb(verb: string, description: string, act: (h: ReturnType<Client['schedule']['getHandle']>, opts: Record<string, string>) => Promise<string>, extra: (c: Command) => Command = (c) => c) {
  return withClusterFlags(extra(new Command(verb).description(description).argument('<id>', 'schedule id'))).action(async (id: string, flags: ClusterFlags & Record<string, string>) => {
    try {
      const msg = await withClient(flags, (c) => act(c.schedule.getHandle(id), flags));
      info(msg);
      process.exit(0);
    } catch (e) {
      fail(e);
    }
  });
}

const pause = scheduleVerb('pause', 'pause a fleet schedule (no runs start until unpause)', async (h, o) => {
  await h.pause(o.note ?? 'paused by slimflow');
  return `schedule ${h.scheduleId} paused`;
}, (c) => c.option('--note <text>', 'why (shown by describe)'));

const unpause = scheduleVerb('unpause', 'unpause a fleet schedule', async (h) => {
  await h.unpause('unpaused by slimflow');
  return `schedule ${h.scheduleId} unpaused`;
});

const trigger = scheduleVerb('trigger', 'start a run of the schedule now (its overlap policy applies)', async (h, o) => {
  if (o.overlap && OVERLAP[o.overlap] === undefined) throw new SlimflowError('INVALID_CONFIG', `unknown overlap policy "${o.overlap}"; use one of ${Object.keys(OVERLAP).join(', ')}`, '--overlap');
  // The client's trigger() defaults to allow-all, which would start a second fleet run beside a running
  // one (and leave it untracked by the schedule): pass the schedule's own policy instead.
  const overlap = o.overlap ? OVERLAP[o.overlap] : (await h.describe()).policies.overlap;
  await h.trigger(overlap);
  return `schedule ${h.scheduleId} triggered (overlap ${overlapName(overlap)})`;
}, (c) => c.option('--overlap <policy>', 'overlap policy for this run (default: the schedule\'s)'));

const backfill = scheduleVerb('backfill', 'run the actions the schedule would have taken between two times', async (h, o) => {
  const start = new Date(o.start);
  const end = new Date(o.end);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw new SlimflowError('INVALID_CONFIG', '--start and --end must be ISO times, e.g. 2026-11-20T00:00:00Z');
  await h.backfill({ start, end, overlap: OVERLAP[o.overlap ?? 'buffer-all'] });
  return `schedule ${h.scheduleId} backfilled ${start.toISOString()} .. ${end.toISOString()}`;
}, (c) => c.requiredOption('--start <time>', 'ISO start time').requiredOption('--end <time>', 'ISO end time').option('--overlap <policy>', 'overlap policy for the backfilled runs', 'buffer-all'));

const del = scheduleVerb('delete', 'delete a fleet schedule (runs already started go on)', async (h) => {
  await h.delete();
  return `schedule ${h.scheduleId} deleted`;
});

const describe = withClusterFlags(new Command('describe').description('show a fleet schedule: spec, paused, recent and next runs').argument('<id>', 'schedule id').option('--json', 'print as JSON')).action(
  async (id: string, flags: ClusterFlags & { json?: boolean }) => {
    try {
      const d = await withClient(flags, (c) => c.schedule.getHandle(id).describe());
      const out = {
        scheduleId: d.scheduleId,
        paused: d.state.paused,
        note: d.state.note ?? null,
        overlap: overlapName(d.policies.overlap),
        skippedOverlap: d.info.numActionsSkippedOverlap,
        recent: d.info.recentActions.map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
        next: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
        running: d.info.runningActions.map((a) => a.workflow.workflowId),
      };
      emit(!!flags.json, out, () => JSON.stringify(out, null, 2));
      process.exit(0);
    } catch (e) {
      fail(e);
    }
  },
);

/** `slimflow fleet …`: run a fleet now, or schedule it and manage the schedule. */
export const fleetCommand = new Command('fleet')
  .description('recompress a fleet of models (manifest), now or on a Temporal Schedule')
  .addCommand(run)
  .addCommand(schedule)
  .addCommand(pause)
  .addCommand(unpause)
  .addCommand(trigger)
  .addCommand(backfill)
  .addCommand(del)
  .addCommand(describe);
