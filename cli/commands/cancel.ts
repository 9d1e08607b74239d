import { Command } from 'commander';
import { Client } from '@temporalio/client';
import { SlimflowError } from '../../core/errors';
import { ClusterFlags, withClusterFlags } from '../cluster';
import { emit, fail, info } from '../output';
import { CONTROLLABLE_TYPES } from './status';
import { KeptResult, keptResult } from './cancel-result';
import { signalJob, withJobClient } from './control';

/** Where the kept result is, as `slimflow cancel` reports it. */
export interface CancelResult {
  workflowId: string;
  type: string;
  how: 'stopped' | 'cancelled';
  best: KeptResult | null;
}

/**
 * Stop a job keeping the best so far. Jobs that take the `stop` signal finish normally with their
 * best candidate (and write their report); others are cancelled after reading their best from progress.
 */
export async function cancelJob(client: Client, id: string, waitMs: number): Promise<CancelResult> {
  const h = client.workflow.getHandle(id);
  const d = await h.describe();
  if (CONTROLLABLE_TYPES.has(d.type)) {
    await signalJob(client, id, 'stop');
    const result = await Promise.race([h.result(), new Promise((r) => setTimeout(() => r(undefined), waitMs))]);
    if (result === undefined) throw new SlimflowError('RUNTIME', `stop sent; the job has not finished within ${waitMs / 1000} s (it finishes the running step first): check \`slimflow status ${id}\``, id);
    return { workflowId: id, type: d.type, how: 'stopped', best: keptResult(result) };
  }
  const p = await h.query<{ best?: { label: string } }>('progress').catch(() => undefined);
  await h.cancel();
  return { workflowId: id, type: d.type, how: 'cancelled', best: p?.best ? { label: p.best.label, model: null, report: null } : null };
}

/** `slimflow cancel <job>`: stop early, keep the best result so far and say where it is. */
export const cancelCommand = withClusterFlags(
  new Command('cancel')
    .description('stop a job early, keeping the best result so far (and saying where it is)')
    .argument('<job>', 'workflow id')
    .option('--wait <seconds>', 'how long to wait for the job to finish with its best', (v) => Number(v), 600)
    .option('--json', 'print the result as one JSON object on the last line'),
).action(async (job: string, flags: ClusterFlags & { wait: number; json?: boolean }) => {
  try {
    const r = await withJobClient(flags, (c) => cancelJob(c, job, flags.wait * 1000));
    if (r.how === 'cancelled') info(`${job} (${r.type}) cancelled; finished results it published stay where they are`);
    emit(!!flags.json, r, () =>
      r.best
        ? `${job} ${r.how}; best so far ${r.best.label}${r.best.model ? ` at ${r.best.model}` : ' (in the artifact store)'}${r.best.report ? `, report ${r.best.report}` : ''}`
        : `${job} ${r.how}; no candidate had finished`,
    );
    process.exit(0);
  } catch (e) {
    fail(e);
  }
});
