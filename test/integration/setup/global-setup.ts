// vitest globalSetup: one real Temporal dev server for the whole run, on a throwaway state
// directory, stopped at teardown. Set SLIMFLOW_TEST_TEMPORAL_ADDRESS to use a running server instead.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDevServer, stopDevServer } from '../../../workers/dev-server';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    /** State directory of the server this setup started; empty when an external one is used. */
    temporalStateDir: string;
  }
}

const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Start the shared dev server, provide its address to tests, and return the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.SLIMFLOW_TEST_TEMPORAL_ADDRESS;
  if (external) {
    project.provide('temporalAddress', external);
    project.provide('temporalNamespace', process.env.SLIMFLOW_TEST_TEMPORAL_NAMESPACE ?? 'default');
    project.provide('temporalStateDir', '');
    return async () => undefined;
  }
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-test-temporal-'));
  const t0 = Date.now();
  const server = await ensureDevServer({ stateDir });
  console.log(`[global-setup] temporal dev server ${server.address} (pid ${server.pid}) up in ${Date.now() - t0} ms`);
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
  project.provide('temporalStateDir', stateDir);
  // If vitest dies without running the teardown (Ctrl-C, kill), the detached server would outlive
  // it forever. Vitest's own SIGINT/exit handlers call process.exit(), which skips any listener
  // after them, so ours go first; exit handlers can only act synchronously: signal the group.
  const killServer = () => {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already stopped
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    killServer();
    for (const s of FATAL_SIGNALS) process.off(s, onSignal);
    // With nobody else listening, let the signal take its default course.
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  process.prependOnceListener('exit', killServer);
  for (const s of FATAL_SIGNALS) process.prependListener(s, onSignal);
  return async () => {
    process.off('exit', killServer);
    for (const s of FATAL_SIGNALS) process.off(s, onSignal);
    await stopDevServer(stateDir);
    fs.rmSync(stateDir, { recursive: true, force: true });
  };
}
