// The guard every publishing activity passes: the folder is under an output root, holds no link,
// and the job is the newest one for it (see core/artifacts/output-owner.ts).
import { Context } from '@temporalio/activity';
import { claimOutput, OutputOwner } from '../core/artifacts/output-owner';
import { checkOutputDir } from '../core/artifacts/output-roots';
import { checkRemoteOutput, RemoteOutput } from '../core/artifacts/remote-output';

/** The running activity's job: workflow id, run id and the run's start time (null outside a worker). */
async function currentOwner(): Promise<OutputOwner | null> {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return null; // called directly (unit tests): no job to order
  }
  const wf = ctx.info.workflowExecution;
  if (!wf) return null;
  let startedAt: string;
  try {
    startedAt = (await ctx.client.workflow.getHandle(wf.workflowId, wf.runId).describe()).startTime.toISOString();
  } catch (e) {
    // No client in a mock environment: order by the activity's first schedule time instead.
    if ((e as Error).name !== 'IllegalStateError') throw e;
    startedAt = new Date(ctx.info.scheduledTimestampMs).toISOString();
  }
  return { workflowId: wf.workflowId, runId: wf.runId, startedAt };
}

/** Check `dir` (named by `key` in errors) and claim it for this job before it writes there. */
export async function guardOutputDir(dir: string, key: string): Promise<string> {
  const abs = checkOutputDir(dir, key);
  const owner = await currentOwner();
  if (owner) claimOutput(abs, owner);
  return abs;
}

/** The same for an `s3://` output location: in the store's bucket, claimed for this job. */
export async function guardRemoteOutput(dir: string, key: string): Promise<RemoteOutput> {
  const out = new RemoteOutput(checkRemoteOutput(dir, key));
  const owner = await currentOwner();
  if (owner) await out.claim(owner);
  return out;
}
