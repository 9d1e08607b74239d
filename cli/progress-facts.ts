// Read a job's progress facts from Temporal: its progress query, the queries of its running
// searches (children named `<job>/<step>`), and its running activities' last heartbeats.
import type { WorkflowClient, WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { PipelineProgress } from '../core/pipeline';
import type { ProgressFacts, SearchProgress } from './progress-view';

/** A query that gives up after `ms` (a closed workflow with no worker would make it wait long). */
async function queryWithin<T>(client: WorkflowClient, id: string, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), ms); });
  try {
    return await Promise.race([client.getHandle(id).query<T>('progress').catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The last heartbeat details of every activity running in these workflows. */
function heartbeatsOf(descriptions: WorkflowExecutionDescription[]): ProgressFacts['heartbeats'] {
  const out: ProgressFacts['heartbeats'] = [];
  for (const d of descriptions) {
    for (const a of d.raw.pendingActivities ?? []) {
      const payload = a.heartbeatDetails?.payloads?.[0];
      let details: unknown = null;
      try {
        details = payload ? defaultPayloadConverter.fromPayload(payload as never) : null;
      } catch {
        details = null; // A payload this client cannot decode: show the activity alone.
      }
      out.push({ activity: a.activityType?.name ?? 'activity', details });
    }
  }
  return out;
}

// Running steps as progressOf names them: "search (ptqSearch), v (validateCandidate)".
const runningSteps = (stage: string): { id: string; stage: string }[] =>
  [...stage.matchAll(/([^,\s][^,]*?) \((\w+)\)/g)].map((m) => ({ id: m[1].trim(), stage: m[2] }));

/** Everything the progress view needs about one job, or null when it cannot be queried yet. */
export async function progressFacts(client: WorkflowClient, id: string, startedAt: Date, queryMs = 5_000): Promise<ProgressFacts | null> {
  const progress = await queryWithin<PipelineProgress & { search?: SearchProgress; status?: string }>(client, id, queryMs);
  if (!progress) return null;
  const descriptions: WorkflowExecutionDescription[] = [];
  const main = await client.getHandle(id).describe().catch(() => null);
  if (main) descriptions.push(main);
  const searches: ProgressFacts['searches'] = {};
  let paused = !!progress.search?.paused || progress.status === 'paused' || !!progress.stage?.startsWith('paused');
  for (const step of runningSteps(progress.stage ?? '')) {
    if (step.stage !== 'ptqSearch' && step.stage !== 'trainStrategy') continue;
    const childId = `${id}/${step.id}`;
    const [child, d] = await Promise.all([
      queryWithin<{ search?: SearchProgress; status?: string }>(client, childId, queryMs),
      client.getHandle(childId).describe().catch(() => null),
    ]);
    if (d) descriptions.push(d);
    if (child?.search) searches[step.id] = { search: child.search, elapsedSeconds: d ? (Date.now() - d.startTime.getTime()) / 1000 : 0 };
    if (child?.search?.paused || child?.status === 'paused') paused = true;
  }
  return { progress, searches, heartbeats: heartbeatsOf(descriptions), elapsedSeconds: (Date.now() - startedAt.getTime()) / 1000, paused };
}
