// Start slimflow jobs from TypeScript: the same workflow and input the CLI's `compress` starts.
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { absolutizeConfig } from '../activities/job-activities';
import { loadJobConfig } from '../core/config/load';
import type { JobConfig } from '../core/config/schema';
import { DEFAULT_TASK_QUEUE } from '../workers/create-worker';
import type { autoCompress } from '../workflows';

/** Options of startCompressJob. */
export interface StartJobOptions {
  /** Task queue the slimflow workers poll (default "slimflow"). */
  taskQueue?: string;
  /** Workflow id (default compress-<model>-<random>). */
  workflowId?: string;
  /** Folder the config's relative paths are relative to (default process.cwd(), as the CLI). */
  cwd?: string;
}

/**
 * Start the automatic compression job (workflow autoCompress) for a job config, a YAML file or an
 * already loaded config; `await handle.result()` gives the report. Workers must poll the task queue
 * (`slimflow worker`, or buildWorker in this process).
 */
export async function startCompressJob(client: Client, config: string | JobConfig, opts: StartJobOptions = {}): Promise<WorkflowHandle<typeof autoCompress>> {
  const loaded = absolutizeConfig(typeof config === 'string' ? loadJobConfig(config) : config, opts.cwd ?? process.cwd());
  const model = path.basename(loaded.Global.model, '.onnx');
  return client.workflow.start<typeof autoCompress>('autoCompress', {
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: opts.workflowId ?? `compress-${model}-${randomUUID().slice(0, 8)}`,
    args: [{ config: loaded }],
  });
}
