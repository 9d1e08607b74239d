// A test file's worker on the fixture activities: a fresh task queue, started before the file's tests
// and stopped after them (the shared dev server, or one of its own).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll } from 'vitest';
import { WORKFLOWS_PATH } from '../../workers/start-worker';
import { createFixtureActivities } from './fixture-activities';
import { startTestWorker } from './temporal-env';

export interface FixtureWorker {
  readonly taskQueue: string;
  readonly fixtures: ReturnType<typeof createFixtureActivities>;
  /** The client, once the file's tests have started. */
  client(): Client;
}

/** Start a fixture worker for this test file (each activity takes `delayMs`). */
export function useFixtureWorker(name: string, delayMs: number): FixtureWorker {
  const taskQueue = `test-${name}-${randomUUID().slice(0, 8)}`;
  const fixtures = createFixtureActivities(delayMs);
  let client: Client | undefined;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ client, stop } = await startTestWorker({ taskQueue, activities: fixtures.activities, workflowsPath: WORKFLOWS_PATH }));
  });
  afterAll(async () => { await stop?.(); });
  return { taskQueue, fixtures, client: () => client! };
}
