import { Client, WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { stopDevServer } from '../workers/dev-server';
import { ResolvedConnection, connectClient } from '../workers/connection';
import { buildWorker } from '../workers/start-worker';
import { ClusterFlags, cluster } from './cluster';
import { info } from './output';
import { showProgress } from './progress';

export interface JobFlags extends ClusterFlags {
  /** Commander's --no-local-worker turns this off: rely on workers already polling the queue. */
  localWorker: boolean;
  keepServer?: boolean;
}

/**
 * Start a workflow and wait for its result with a progress display. On the embedded server a
 * worker runs in this process (unless --no-local-worker); a server this call started is stopped after.
 */
export async function runJob<T>(flags: JobFlags, start: (client: Client) => Promise<WorkflowHandle>): Promise<T> {
  const conn: ResolvedConnection = await cluster(flags);
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  if (flags.localWorker) {
    worker = await buildWorker(conn, { taskQueue: flags.taskQueue });
    workerRun = worker.run();
  }
  const client = await connectClient(conn);
  const done = { done: false };
  try {
    const handle = await start(client);
    info(`workflow ${handle.workflowId} started on task queue ${flags.taskQueue}`);
    const progress = showProgress(handle, done);
    try {
      return (await handle.result()) as T;
    } finally {
      done.done = true;
      await progress;
    }
  } finally {
    if (worker) {
      worker.shutdown();
      await workerRun?.catch(() => undefined);
    }
    await client.connection.close();
    if (conn.startedServer && !flags.keepServer) await stopDevServer(conn.startedServer.stateDir);
  }
}
