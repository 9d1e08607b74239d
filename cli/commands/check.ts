import { Command } from 'commander';
import { absolutizeConfig } from '../../activities/job-activities';
import { loadJobConfig } from '../../core/config/load';
import { Problem, problemLine, preflightConfig } from '../../core/config/preflight';
import type { JobConfig } from '../../core/config/schema';
import { EXIT } from '../exit-codes';
import { fail, info } from '../output';

/** Print each problem as one line and exit with the input-error code; return when there is none. */
export function exitOnProblems(problems: readonly Problem[], prefix = ''): void {
  if (problems.length === 0) return;
  for (const p of problems) process.stderr.write(`slimflow: ${problemLine({ ...p, key: prefix + p.key })}\n`);
  process.exit(EXIT.INPUT);
}

/** The preflight of a loaded config: returns when it passes, else prints its problems and exits 2. */
export async function preflightOrExit(config: JobConfig, prefix = ''): Promise<void> {
  exitOnProblems(await preflightConfig(config), prefix);
}

/** `slimflow check <config.yaml>`: the preflight compress runs first, alone. */
export const checkCommand = new Command('check')
  .description('check a job config without running it: the model loads, its inputs and output match, the data exists and holds enough samples, every name resolves (exits 2 with one line per problem)')
  .argument('<config>', 'job config (YAML)')
  .action(async (configPath: string) => {
    try {
      const config = absolutizeConfig(loadJobConfig(configPath), process.cwd());
      await preflightOrExit(config);
      info(`${configPath}: ok`);
      process.exit(EXIT.OK);
    } catch (e) {
      fail(e);
    }
  });
