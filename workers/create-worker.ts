// The one place a slimflow worker is assembled, so every entrypoint (CLI, worker-main, tests)
// polls the same task queue with the same limits.
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';

/** Task queue slimflow workers poll and clients start workflows on unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'slimflow';

/** What a slimflow worker needs: where to poll, which activities, which workflows. */
export interface SlimflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  activities: object;
  /** Module whose exports are the workflow functions; bundled for the sandbox at create time. */
  workflowsPath: string;
  maxConcurrentActivityTaskExecutions?: number;
  /** Passed through for callers that need more (interceptors, sinks, shutdown grace...). */
  extra?: Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'activities' | 'workflowsPath'>;
}

/** Create (and bundle the workflows of) a worker on the slimflow task queue. */
export function createSlimflowWorker(opts: SlimflowWorkerOptions): Promise<Worker> {
  return Worker.create({
    ...opts.extra,
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    activities: opts.activities,
    workflowsPath: opts.workflowsPath,
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions,
  });
}
