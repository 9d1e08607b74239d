// Reach a real Temporal server for the workflow tests: the shared one from the integration
// globalSetup when it is configured, else a dev server of this file's own on a throwaway state dir.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createSlimflowWorker } from '../../workers/create-worker';
import { ensureDevServer, stopDevServer } from '../../workers/dev-server';
import '../integration/quiet-runtime';

export interface TestServer {
  address: string;
  namespace: string;
  stop(): Promise<void>;
}

/** The shared test server if globalSetup provided one, else a private dev server stopped by `stop`. */
export async function testServer(): Promise<TestServer> {
  const shared = inject('temporalAddress' as never) as string | undefined;
  if (shared) return { address: shared, namespace: (inject('temporalNamespace' as never) as string) ?? 'default', stop: async () => undefined };
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-wf-test-'));
  const server = await ensureDevServer({ stateDir });
  return {
    address: server.address,
    namespace: server.namespace,
    stop: async () => {
      await stopDevServer(stateDir);
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A worker serving `workflowsPath` with the given activities on a fresh task queue, and a client; `stop` ends both and the server. */
export async function startTestWorker(opts: { taskQueue: string; activities: object; workflowsPath: string }): Promise<{ client: Client; stop(): Promise<void> }> {
  const server = await testServer();
  const native = await NativeConnection.connect({ address: server.address });
  const worker = await createSlimflowWorker({ connection: native, namespace: server.namespace, ...opts });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  return {
    client: new Client({ connection, namespace: server.namespace }),
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
      await server.stop();
    },
  };
}
