// Shared by `slimflow pause`, `resume` and `cancel`: find the job, check it can be controlled, signal it.
import { Client } from '@temporalio/client';
import { SlimflowError } from '../../core/errors';
import { connectClient } from '../../workers/connection';
import { ClusterFlags, cluster } from '../cluster';
import { CONTROLLABLE_TYPES } from './status';

/** Run fn with a client for the chosen cluster. */
export async function withJobClient<T>(flags: ClusterFlags, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(await cluster(flags));
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

/** Send a control signal to a running job; returns its workflow type. */
export async function signalJob(client: Client, id: string, signal: 'pause' | 'resume' | 'stop'): Promise<string> {
  const h = client.workflow.getHandle(id);
  // Not found, or the server unreachable: the CLI's one line and exit code (5, 4) say which.
  const d = await h.describe();
  if (d.status.name !== 'RUNNING') throw new SlimflowError('INVALID_CONFIG', `the job is ${d.status.name}, not running`, id);
  // A signal to a workflow without a handler is accepted and then ignored: refuse instead of pretending.
  if (!CONTROLLABLE_TYPES.has(d.type)) throw new SlimflowError('NOT_SUPPORTED', `${d.type} workflows do not take the ${signal} signal`, id);
  await h.signal(signal);
  return d.type;
}
