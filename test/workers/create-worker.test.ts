// A worker assembled by createSlimflowWorker runs a real workflow + activity on the shared dev server.
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createSlimflowWorker } from '../../workers/create-worker';
import { compressCommand } from '../../cli/commands/compress';
import { SlimflowSearchAttributes } from '../../workers/search-attributes';
import { resolveConnection } from '../../workers/connection';
import { testTemporal, uniqueTaskQueue } from '../integration/setup/server';
import { createFixtureActivities } from './fixtures/activities';

const workflowsPath = path.join(__dirname, 'fixtures', 'workflows.ts');

describe('createSlimflowWorker', () => {
  const { address, namespace, stateDir } = testTemporal();
  let nativeConnection: NativeConnection;
  let client: Client;

  beforeAll(async () => {
    nativeConnection = await NativeConnection.connect({ address });
    client = new Client({ connection: await Connection.connect({ address }), namespace });
  });
  afterAll(async () => {
    await client?.connection.close();
    await nativeConnection?.close();
  });

  it('polls the slimflow task queue (README) when none is given, the queue clients start jobs on by default', async () => {
    const calls: string[] = [];
    const worker = await createSlimflowWorker({ connection: nativeConnection, namespace, activities: createFixtureActivities(calls), workflowsPath });
    expect(worker.options.taskQueue).toBe('slimflow');
    const flag = compressCommand.options.find((o) => o.long === '--task-queue');
    expect(flag?.defaultValue).toBe('slimflow');
    // It really polls there: a workflow started on 'slimflow' runs on it.
    const workflowId = `score-default-queue-${Date.now()}`;
    await worker.runUntil(client.workflow.execute('scoreWorkflow', { taskQueue: 'slimflow', workflowId, args: [{ model: 'default-queue' }] }));
    expect(calls).toEqual(['default-queue']);
  });

  it('runs a workflow and its activity, with slimflow search attributes registered', async () => {
    const calls: string[] = [];
    const taskQueue = uniqueTaskQueue('create-worker');
    const worker = await createSlimflowWorker({
      connection: nativeConnection,
      namespace,
      taskQueue,
      activities: createFixtureActivities(calls),
      workflowsPath,
      maxConcurrentActivityTaskExecutions: 2,
    });
    expect(worker.options.taskQueue).toBe(taskQueue);
    // The SDK compiles the limit into a fixed-size activity slot supplier.
    expect(worker.options.tuner).toMatchObject({ activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 2 } });

    const workflowId = `score-${taskQueue}`;
    const result = await worker.runUntil(
      client.workflow.execute('scoreWorkflow', { taskQueue, workflowId, args: [{ model: 'mobilenet-v2' }] }),
    );
    expect(result).toBeCloseTo(1.2);
    expect(calls).toEqual(['mobilenet-v2']);

    const desc = await client.workflow.getHandle(workflowId).describe();
    expect(desc.status.name).toBe('COMPLETED');
    expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.model)).toBe('mobilenet-v2');
    expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.status)).toBe('done');
    expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.bestScore)).toBeCloseTo(1.2);
  });

  it('resolves to the already-running embedded server when no address is configured', async () => {
    if (!stateDir) return; // an external server was given: there is no embedded one to find
    const resolved = await resolveConnection({ env: {}, stateDir });
    expect(resolved).toMatchObject({ address, namespace: 'default', embedded: true });
    expect(resolved.startedServer).toBeUndefined();
  });
});
