// Shared pieces of the integration tests: a real worker with the real activities on its own task
// queue, a client, and small job configs on the PP-OCR classifier.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { LocalArtifactStore } from '../../core/artifacts/store';
import { buildWorker } from '../../workers/start-worker';
import { ppocrModel, CLS_MODEL } from '../fixtures/models';
import { testTemporal, uniqueTaskQueue } from './setup/server';
import './quiet-runtime';

export interface Harness {
  client: Client;
  taskQueue: string;
  storeDir: string;
  worker: Worker;
  stop(): Promise<void>;
}

/** A worker with every slimflow activity and workflow, polling a task queue of its own. */
export async function startHarness(label: string): Promise<Harness> {
  const { address, namespace } = testTemporal();
  const taskQueue = uniqueTaskQueue(label);
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), `sf-${label}-store-`));
  const worker = await buildWorker({ address, namespace, embedded: false }, { taskQueue, deps: { store: new LocalArtifactStore(storeDir), threads: 1 } });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address }), namespace });
  return {
    client,
    taskQueue,
    storeDir,
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await client.connection.close();
    },
  };
}

/** A small, fast job on the PP-OCR text-direction classifier; `over` replaces Global keys. */
export function clsJob(outputDir: string, over: Record<string, unknown> = {}, sections: Record<string, unknown> = {}) {
  return {
    Global: {
      model: ppocrModel(CLS_MODEL),
      input_name: 'x',
      input_shape: [8, 3, 48, 192],
      task: 'ocr-cls',
      calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 32, seed: 11 },
      eval_data: { kind: 'rendered-textlines', task: 'cls', count: 256, seed: 12 },
      deploy: { threads: 1, max_accuracy_drop: 1 },
      output_dir: outputDir,
      ...over,
    },
    QuantPost: { algo: 'abs_max', batch_size: 8, batch_num: 4 },
    ...sections,
  };
}

export const tmpDir = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `sf-${label}-`));

interface HistoryEvent {
  eventType?: unknown;
  activityTaskScheduledEventAttributes?: { activityId?: string | null; activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: unknown; attempt?: number | null } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: unknown } | null;
  activityTaskFailedEventAttributes?: { scheduledEventId?: unknown } | null;
  eventId?: unknown;
}

/** Per activity of a finished workflow: its type, the attempt that finished it, and how it ended. */
export async function activityLog(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  const events = (history.events ?? []) as HistoryEvent[];
  const byScheduled = new Map<string, { id: string; type: string; attempt: number; completed: number; failed: number }>();
  const key = (v: unknown) => String(v);
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) byScheduled.set(key(e.eventId), { id: s.activityId ?? '', type: s.activityType?.name ?? '', attempt: 0, completed: 0, failed: 0 });
    const st = e.activityTaskStartedEventAttributes;
    if (st) byScheduled.get(key(st.scheduledEventId))!.attempt = st.attempt ?? 1;
    const c = e.activityTaskCompletedEventAttributes;
    if (c) byScheduled.get(key(c.scheduledEventId))!.completed++;
    const f = e.activityTaskFailedEventAttributes;
    if (f) byScheduled.get(key(f.scheduledEventId))!.failed++;
  }
  return [...byScheduled.values()];
}

/** Files a crash could leave half-written: temporary names under a folder. */
export function leftoverTempFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) if (entry.includes('.tmp-')) out.push(entry);
  return out;
}
