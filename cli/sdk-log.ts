// The Temporal SDK's own log lines (e.g. "Workflow task duration exceeded 5 seconds") go to a file,
// not into the progress line on the terminal. SLIMFLOW_LOG_FILE moves it; SLIMFLOW_LOG_LEVEL=debug
// records INFO too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DefaultLogger, LogLevel, Runtime } from '@temporalio/worker';

/** Where the SDK's log lines are written. */
export const sdkLogFile = (): string => path.resolve(process.env.SLIMFLOW_LOG_FILE ?? path.join('.slimflow', 'logs', 'slimflow.log'));

let installed = false;

/** Install the SDK runtime once per process with a logger that appends to the log file. */
export function installSdkLogger(): void {
  if (installed) return;
  installed = true;
  const file = sdkLogFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const level: LogLevel = process.env.SLIMFLOW_LOG_LEVEL === 'debug' ? 'INFO' : 'WARN';
  Runtime.install({
    // The CLI handles Ctrl-C / SIGTERM itself (cli/job-runner.ts stops the job before its worker;
    // `slimflow worker` and `dev` shut theirs down): the SDK's own handlers would stop the worker first.
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry) => {
      const meta = entry.meta && Object.keys(entry.meta).length ? ` ${JSON.stringify(entry.meta)}` : '';
      // Synchronous append: the lines are few (warnings), and a crash must not lose the last ones.
      fs.appendFileSync(file, `${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} ${entry.level} ${entry.message}${meta}\n`);
    }),
  });
}
