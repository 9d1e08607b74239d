import { Command } from 'commander';
import { ClusterFlags, withClusterFlags } from '../cluster';
import { fail, info } from '../output';
import { signalJob, withJobClient } from './control';

/** `slimflow pause <job>`: nothing new starts until `slimflow resume` (for days if need be). */
export const pauseCommand = withClusterFlags(
  new Command('pause').description('pause a running job: it starts no new stage or trial until resumed').argument('<job>', 'workflow id'),
).action(async (job: string, flags: ClusterFlags) => {
  try {
    const type = await withJobClient(flags, (c) => signalJob(c, job, 'pause'));
    info(`${job} (${type}) pausing: running work finishes, nothing new starts; \`slimflow resume ${job}\` to go on`);
    process.exit(0);
  } catch (e) {
    fail(e);
  }
});
