import { Command } from 'commander';
import { addOutputRoots } from '../../core/artifacts/output-roots';
import { buildWorker } from '../../workers/start-worker';
import { ClusterFlags, cluster, withClusterFlags } from '../cluster';
import { fail, info } from '../output';
import { shutdownOnSignals } from '../worker-signals';

/** `slimflow worker`: poll the task queue of the configured cluster until stopped; run as many as you like. */
export const workerCommand = withClusterFlags(
  new Command('worker')
    .description('run a slimflow worker (all activities and workflows) against the configured cluster')
    .option('--max-activities <n>', 'activities this worker runs at once', (v) => Number(v), 2)
    .option('--output-root <dir...>', 'a folder jobs may write outputs to (repeatable; besides .slimflow and SLIMFLOW_OUTPUT_ROOTS)', []),
).action(async (flags: ClusterFlags & { maxActivities: number; outputRoot: string[] }) => {
  try {
    addOutputRoots(flags.outputRoot);
    const conn = await cluster(flags);
    const worker = await buildWorker(conn, { taskQueue: flags.taskQueue, maxConcurrentActivities: flags.maxActivities });
    info(`worker polling task queue ${flags.taskQueue} (Ctrl-C to stop)`);
    shutdownOnSignals(worker);
    await worker.run();
    process.exit(0);
  } catch (e) {
    fail(e);
  }
});
