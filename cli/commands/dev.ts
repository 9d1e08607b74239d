import { Command } from 'commander';
import { ensureDevServer, stopDevServer } from '../../workers/dev-server';
import { buildWorker } from '../../workers/start-worker';
import { cluster } from '../cluster';
import { DEFAULT_TASK_QUEUE } from '../../workers/create-worker';
import { fail, info } from '../output';
import { shutdownOnSignals } from '../worker-signals';

/** `slimflow dev`: the embedded dev server and one worker, in the foreground, until Ctrl-C. */
export const devCommand = new Command('dev')
  .description('run the embedded Temporal dev server (SQLite in .slimflow/temporal) and a worker in the foreground')
  .option('--task-queue <name>', 'task queue', DEFAULT_TASK_QUEUE)
  .action(async (flags: { taskQueue: string }) => {
    try {
      const server = await ensureDevServer();
      info(`dev server ${server.address} (pid ${server.pid}, ${server.started ? 'started' : 'already running'}; log ${server.logFile})${server.uiUrl ? `; web UI ${server.uiUrl}` : ''}`);
      const conn = await cluster({ address: server.address, namespace: server.namespace, taskQueue: flags.taskQueue });
      const worker = await buildWorker(conn, { taskQueue: flags.taskQueue });
      info(`worker polling ${flags.taskQueue}; start jobs with \`slimflow compress --address ${server.address} --no-local-worker ...\` or the temporal CLI. Ctrl-C stops both.`);
      shutdownOnSignals(worker);
      await worker.run();
      if (server.started) await stopDevServer(server.stateDir);
      process.exit(0);
    } catch (e) {
      fail(e);
    }
  });
