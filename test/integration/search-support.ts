// Shared pieces of the ptqSearch integration tests: the search's inputs on the PP-OCR classifier
// (model and teacher put in a store the workers share), worker processes in their own process
// group, every run of a continued-as-new workflow, and recording histories for the replay test.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { LocalArtifactStore } from '../../core/artifacts/store';
import type { PtqSearchInput } from '../../workflows/ptq-search';
import { runTemporalCli } from '../../workers/temporal-cli';
import { CLS_MODEL, ppocrModel } from '../fixtures/models';

const repo = path.resolve(__dirname, '..', '..');
export const HISTORY_DIR = path.join(repo, 'test', 'replay', 'histories');

/** A small search on the classifier: 10 configurations, 6 trials, batches of 2, a new run every 4 trials. */
export async function clsSearchInput(storeDir: string, over: Partial<PtqSearchInput> = {}): Promise<PtqSearchInput> {
  const acts = createActivities({ store: new LocalArtifactStore(storeDir), threads: 1 });
  const { model } = await acts.importModel({ path: ppocrModel(CLS_MODEL) });
  const { teacher } = await acts.cloneTeacher({ model });
  return {
    model,
    teacher,
    calib: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 11 },
    eval: { kind: 'rendered-textlines', task: 'cls', count: 128, seed: 12 },
    input: { name: 'x', shape: [8, 3, 48, 192], threads: 1, task: 'ocr-cls' },
    space: {
      ptq_algo: ['abs_max', 'avg', 'hist', 'mse'],
      weight_quantize_type: ['channel_wise_abs_max', 'abs_max'],
      hist_percent: [0.999, 0.9999],
      base: { batchSize: 8, batchNum: 2, opTypes: ['Conv', 'MatMul', 'Gemm'] },
    },
    budget: 6,
    parallel: 2,
    trialsPerRun: 4,
    seed: 3,
    ...over,
  };
}

export { killGroup, startWorkerProcess } from './worker-process';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` is true (or throw after `timeoutMs`). */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every run of a workflow id (continue-as-new makes several), oldest first, with its history. */
export async function allRuns(client: Client, workflowId: string) {
  const runs: { runId: string; type: string; history: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>> }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs.push({ runId: w.runId, type: w.type, history: await client.workflow.getHandle(workflowId, w.runId).fetchHistory() });
  }
  // Visibility lists newest first; the first event's time orders them reliably.
  const t = (r: (typeof runs)[number]) => Number(r.history.events?.[0]?.eventTime?.seconds ?? 0) * 1e3 + Number(r.history.events?.[0]?.eventTime?.nanos ?? 0) / 1e6;
  return runs.sort((a, b) => t(a) - t(b));
}

/**
 * Save a workflow's run histories for test/replay when SLIMFLOW_RECORD_HISTORIES=1 (they are
 * committed; CI replays them). The temporal CLI writes the JSON form runReplayHistory reads; with
 * keepWorkflowId the file is { workflowId, history }, for workflows whose children are named after their id.
 */
export async function recordHistories(name: string, workflowId: string, runs: Awaited<ReturnType<typeof allRuns>>, server: { address: string; namespace: string }, opts: { keepWorkflowId?: boolean } = {}): Promise<void> {
  if (process.env.SLIMFLOW_RECORD_HISTORIES !== '1') return;
  fs.mkdirSync(HISTORY_DIR, { recursive: true });
  for (const [i, r] of runs.entries()) {
    const json = await runTemporalCli(['workflow', 'show', '--workflow-id', workflowId, '--run-id', r.runId, '--address', server.address, '--namespace', server.namespace, '--output', 'json']);
    fs.writeFileSync(path.join(HISTORY_DIR, `${name}-run${i}.json`), opts.keepWorkflowId ? JSON.stringify({ workflowId, history: JSON.parse(json) }) : json);
  }
}

interface HistoryEvent {
  eventId?: unknown;
  activityTaskScheduledEventAttributes?: { activityId?: string | null; activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: unknown; attempt?: number | null } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: unknown } | null;
}

/** Activities over all runs: id, type, the attempt that ran last, and how many completions. */
export function activitiesOf(runs: Awaited<ReturnType<typeof allRuns>>) {
  const out: { id: string; type: string; attempt: number; completed: number }[] = [];
  for (const r of runs) {
    const byId = new Map<string, (typeof out)[number]>();
    for (const e of (r.history.events ?? []) as HistoryEvent[]) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) {
        const a = { id: s.activityId ?? '', type: s.activityType?.name ?? '', attempt: 0, completed: 0 };
        byId.set(String(e.eventId), a);
        out.push(a);
      }
      const st = e.activityTaskStartedEventAttributes;
      if (st) byId.get(String(st.scheduledEventId))!.attempt = st.attempt ?? 1;
      const c = e.activityTaskCompletedEventAttributes;
      if (c) byId.get(String(c.scheduledEventId))!.completed++;
    }
  }
  return out;
}

/** What must not change when a search is interrupted: the trials (by hash, in order) and the best. */
export function searchOutcome(r: { trials: { label: string; model: { sha256: string }; accuracy: number | null; agreement: number }[]; best: { label: string; accuracy: number | null; agreement: number }; trialsRun: number }) {
  return {
    trials: r.trials.map((t) => `${t.label}:${t.accuracy}:${t.agreement}`),
    best: `${r.best.label}:${r.best.accuracy}:${r.best.agreement}`,
    trialsRun: r.trialsRun,
  };
}
