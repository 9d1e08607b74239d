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
  // If vitest exits without running the teardown (killed, crashed), the detached server would
  // outlive it forever; a synchronous signal is all an exit handler can still send.
  const killOnExit = () => {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already stopped
    }
  };
  process.once('exit', killOnExit);
  return async () => {
    process.off('exit', killOnExit);
    await stopDevServer(stateDir);
    fs.rmSync(stateDir, { recursive: true, force: true });
  };
}
