import { Command } from 'commander';
import { buildWorker } from '../../workers/start-worker';
import { ClusterFlags, cluster, withClusterFlags } from '../cluster';
import { fail, info } from '../output';

/** `slimflow worker`: poll the task queue of the configured cluster until stopped; run as many as you like. */
export const workerCommand = withClusterFlags(
  new Command('worker')
    .description('run a slimflow worker (all activities and workflows) against the configured cluster')
    .option('--max-activities <n>', 'activities this worker runs at once', (v) => Number(v), 2),
).action(async (flags: ClusterFlags & { maxActivities: number }) => {
  try {
    const conn = await cluster(flags);
    const worker = await buildWorker(conn, { taskQueue: flags.taskQueue, maxConcurrentActivities: flags.maxActivities });
    info(`worker polling task queue ${flags.taskQueue} (Ctrl-C to stop)`);
    await worker.run();
    process.exit(0);
  } catch (e) {
    fail(e);
  }
});
