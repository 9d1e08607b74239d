import { Command } from 'commander';
import { ClusterFlags, withClusterFlags } from '../cluster';
import { fail, info } from '../output';
import { signalJob, withJobClient } from './control';

/** `slimflow resume <job>`: go on after a pause. */
export const resumeCommand = withClusterFlags(
  new Command('resume').description('resume a paused job').argument('<job>', 'workflow id'),
).action(async (job: string, flags: ClusterFlags) => {
  try {
    const type = await withJobClient(flags, (c) => signalJob(c, job, 'resume'));
    info(`${job} (${type}) resumed`);
    process.exit(0);
  } catch (e) {
    fail(e);
  }
});
