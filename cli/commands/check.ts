import { Command } from 'commander';
import { absolutizeConfig } from '../../activities/job-activities';
import { loadJobConfig } from '../../core/config/load';
import { Problem, problemLine, preflightConfig } from '../../core/config/preflight';
import { preflightPipelineInputs } from '../../core/config/preflight-pipeline';
import type { JobConfig } from '../../core/config/schema';
import type { ResolvedFleet } from '../../core/fleet/types';
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

/** The preflight of a pipeline's inputs (`slimflow run`): returns when they pass, else prints the problems and exits 2. */
export async function preflightPipelineOrExit(decls: Record<string, { type: string; default?: unknown }>, given: Record<string, unknown>): Promise<void> {
  exitOnProblems(await preflightPipelineInputs(decls, given));
}

/**
 * The preflight of every model of a fleet. One bad model never stops the rest (the run reports it
 * failed), so problems are printed and the run goes on; when no model passes, nothing could run: exit 2.
 */
export async function preflightFleetOrExit(fleet: ResolvedFleet): Promise<void> {
  // Pipeline entries are checked by their own run; entries with an error already carry it.
  let passed = fleet.entries.filter((e) => !e.config && !e.error).length;
  const all: Problem[] = [];
  for (const e of fleet.entries.filter((x) => x.config && !x.error)) {
    const problems = await preflightConfig(e.config!);
    if (problems.length === 0) passed++;
    all.push(...problems.map((p) => ({ ...p, key: `models.${e.name}.${p.key}` })));
  }
  if (passed === 0 && all.length > 0) exitOnProblems(all);
  for (const p of all) process.stderr.write(`slimflow: ${problemLine(p)} (the fleet run reports this model failed)\n`);
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
