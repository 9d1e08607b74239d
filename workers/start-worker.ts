// The composition root of a slimflow worker: dependencies, then activities, then the Worker.
import * as path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { ActivityDeps, defaultDeps } from '../activities/deps';
import { connectWorkerConnection, ResolvedConnection } from './connection';
import { createSlimflowWorker, DEFAULT_TASK_QUEUE } from './create-worker';

/** The workflows module the worker bundles: the sources under tsx, the compiled file when running from dist/. */
export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows', `index${path.extname(__filename)}`);

export interface StartWorkerOptions {
  taskQueue?: string;
  deps?: ActivityDeps;
  /** Activities run at once on this worker; onnxruntime work is CPU-bound, so default to the cores we have. */
  maxConcurrentActivities?: number;
}

/** Build a worker for the resolved cluster with every slimflow activity and workflow. */
export async function buildWorker(conn: ResolvedConnection, opts: StartWorkerOptions = {}): Promise<Worker> {
  const connection = await connectWorkerConnection(conn);
  return createSlimflowWorker({
    connection,
    namespace: conn.namespace,
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    activities: createActivities(opts.deps ?? defaultDeps()),
    workflowsPath: WORKFLOWS_PATH,
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 2,
  });
}
