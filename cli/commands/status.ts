import { Command } from 'commander';
import { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { SlimflowSearchAttributes } from '../../workers/search-attributes';
import { connectClient } from '../../workers/connection';
import { ClusterFlags, cluster, withClusterFlags } from '../cluster';
import { emit, fail } from '../output';
import { estimateEta } from './status-eta';
import { progressFacts } from '../progress-facts';
import { progressView } from '../progress-view';

/** Workflow types slimflow starts (visibility lists only these). */
export const SLIMFLOW_TYPES = ['autoCompress', 'runPipeline', 'ptqSearch', 'trainStrategy', 'fleetRecompress'];

/** Types whose workflows handle the pause / resume / stop signals. */
export const CONTROLLABLE_TYPES = new Set(['autoCompress', 'ptqSearch', 'trainStrategy']);

interface AnyProgress {
  stage?: string;
  percent?: number;
  best?: { label: string; accuracy: number | null; agreement: number; latencyMs: number };
  steps?: Record<string, { status: string; done?: number; total?: number }>;
  search?: { trials: number; budget: number; paused: boolean };
  /** trainStrategy's state ('paused' while held). */
  status?: string;
  models?: Record<string, string>;
}

/** A job's state as `slimflow status <job>` shows it. */
export interface JobStatus {
  workflowId: string;
  type: string;
  status: string;
  /** When the job's first run started (the job keeps its id across continue-as-new). */
  startedAt: string;
  paused: boolean;
  stage: string | null;
  percent: number | null;
  trials: { done: number; budget: number } | null;
  best: AnyProgress['best'] | null;
  etaSeconds: number | null;
  models?: Record<string, string>;
}

async function query(client: Client, id: string): Promise<AnyProgress | null> {
  try {
    return await client.workflow.getHandle(id).query<AnyProgress>('progress');
  } catch {
    return null;
  }
}

// Start of a workflow's first run: after continue-as-new, describe() tells the current run's start only.
async function firstStart(client: Client, id: string, d: WorkflowExecutionDescription): Promise<Date> {
  const first = d.raw.workflowExecutionInfo?.firstRunId;
  if (!first || first === d.runId) return d.startTime;
  return (await client.workflow.getHandle(id, first).describe().catch(() => d)).startTime;
}

const isPaused = (p: AnyProgress) => !!p.search?.paused || p.status === 'paused' || !!p.stage?.startsWith('paused');

/** Progress of a job from any machine: stage, trials done / budget (also from a running search child), best, ETA. */
export async function jobStatus(client: Client, id: string): Promise<JobStatus> {
  const d: WorkflowExecutionDescription = await client.workflow.getHandle(id).describe();
  const p = (await query(client, id)) ?? {};
  let trials = p.search ? { done: p.search.trials, budget: p.search.budget } : null;
  let best = p.best ?? null;
  let paused = isPaused(p);
  let searchId: string | null = p.search ? id : null;
  // autoCompress runs its search as a child named `<job>/<step>`: its trial count is the useful one.
  for (const [step, s] of Object.entries(p.steps ?? {})) {
    if (s.status !== 'running') continue;
    if (!trials && s.total) trials = { done: s.done ?? 0, budget: s.total };
    const child = await query(client, `${id}/${step}`);
    if (child?.search) {
      trials = { done: child.search.trials, budget: child.search.budget };
      searchId = `${id}/${step}`;
    }
    if (child && isPaused(child)) paused = true;
    if (child?.best && !best) best = child.best;
  }
  const now = Date.now();
  const started = await firstStart(client, id, d);
  let searchElapsed: number | null = null;
  if (searchId) {
    const sd = searchId === id ? d : await client.workflow.getHandle(searchId).describe().catch(() => null);
    if (sd) searchElapsed = (now - (await firstStart(client, searchId, sd)).getTime()) / 1000;
  }
  const running = d.status.name === 'RUNNING';
  // The same figures as the live display: the percent of the work (a search counted by its trials) and its ETA.
  const facts = running && p.steps ? await progressFacts(client.workflow, id, started).catch(() => null) : null;
  const view = facts ? progressView({ ...facts, paused: paused || facts.paused }) : null;
  return {
    workflowId: id,
    type: d.type,
    status: d.status.name,
    startedAt: started.toISOString(),
    paused: running && paused,
    stage: p.stage ?? null,
    percent: view?.percent ?? p.percent ?? null,
    trials,
    best,
    etaSeconds: view ? view.etaSeconds : estimateEta({ running, paused, elapsedSeconds: (now - started.getTime()) / 1000, percent: p.percent ?? null, trials, searchElapsedSeconds: searchElapsed }),
    ...(p.models ? { models: p.models } : {}),
  };
}

/** Recent slimflow workflows from visibility, newest first. */
export async function recentJobs(client: Client, limit = 20) {
  const q = `WorkflowType IN (${SLIMFLOW_TYPES.map((t) => `'${t}'`).join(', ')})`;
  const out: Array<{ workflowId: string; type: string; status: string; startedAt: string; model: string | null; slimflowStatus: string | null; bestScore: number | null }> = [];
  for await (const w of client.workflow.list({ query: q, pageSize: limit })) {
    const sa = w.typedSearchAttributes;
    out.push({
      workflowId: w.workflowId,
      type: w.type,
      status: w.status.name,
      startedAt: w.startTime.toISOString(),
      model: sa.get(SlimflowSearchAttributes.model) ?? null,
      slimflowStatus: sa.get(SlimflowSearchAttributes.status) ?? null,
      bestScore: sa.get(SlimflowSearchAttributes.bestScore) ?? null,
    });
    if (out.length >= limit) break;
  }
  return out;
}

const fmtEta = (s: number | null) => (s == null ? '' : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${Math.round(s / 60)} min` : `${s} s`);

function statusText(s: JobStatus): string {
  const lines = [`${s.workflowId} (${s.type}): ${s.status}${s.percent != null ? `, ${Math.round(s.percent)}%` : ''}${s.stage ? `, ${s.stage}` : ''}`];
  if (s.trials) lines.push(`  trials ${s.trials.done}/${s.trials.budget}`);
  if (s.best) lines.push(`  best so far ${s.best.label}: agreement ${s.best.agreement.toFixed(2)}${s.best.accuracy != null ? `, accuracy ${s.best.accuracy.toFixed(2)}` : ''}, ${s.best.latencyMs.toFixed(2)} ms`);
  if (s.paused) lines.push('  paused: no ETA until resumed');
  else if (s.etaSeconds != null) lines.push(`  ETA about ${fmtEta(s.etaSeconds)}`);
  for (const [m, st] of Object.entries(s.models ?? {})) lines.push(`  ${m}: ${st}`);
  return lines.join('\n');
}

/** `slimflow status [job]`: one job's progress, or the recent slimflow jobs. */
export const statusCommand = withClusterFlags(
  new Command('status')
    .description('show a job\'s progress (stage, trials, best so far, ETA), or without an id the recent slimflow workflows')
    .argument('[job]', 'workflow id')
    .option('--limit <n>', 'how many recent workflows to list', (v) => Number(v), 20)
    .option('--json', 'print as one JSON object on the last line'),
).action(async (job: string | undefined, flags: ClusterFlags & { json?: boolean; limit: number }) => {
  try {
    const conn = await cluster(flags);
    const client = await connectClient(conn);
    try {
      if (job) {
        const s = await jobStatus(client, job);
        emit(!!flags.json, s, () => statusText(s));
      } else {
        const jobs = await recentJobs(client, flags.limit);
        emit(!!flags.json, { jobs }, () =>
          jobs.length === 0 ? 'no slimflow workflows' : jobs.map((j) => `${j.status.padEnd(10)} ${j.type.padEnd(15)} ${j.workflowId}${j.model ? `  model ${j.model}` : ''}${j.slimflowStatus ? `  ${j.slimflowStatus}` : ''}${j.bestScore != null ? `  best ${j.bestScore.toFixed(2)}` : ''}`).join('\n'),
        );
      }
    } finally {
      await client.connection.close();
    }
    process.exit(0);
  } catch (e) {
    fail(e);
  }
});
