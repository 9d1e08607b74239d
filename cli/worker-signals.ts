// `slimflow worker` and `slimflow dev`: the first Ctrl-C / SIGTERM shuts the worker down gracefully
// (running activities finish or are handed back), a second exits at once.
import type { Worker } from '@temporalio/worker';
import { EXIT } from './exit-codes';
import { info } from './output';

export function shutdownOnSignals(worker: Worker): void {
  let count = 0;
  const on = () => {
    if (++count > 1) process.exit(EXIT.INTERRUPTED);
    info('shutting the worker down (Ctrl-C again to quit at once)');
    try {
      worker.shutdown();
    } catch {
      // already stopping
    }
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
}
