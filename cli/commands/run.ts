import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import * as yaml from 'js-yaml';
import { loadPipeline, parsePipelineText } from '../../core/pipeline';
import { SlimflowError } from '../../core/errors';
import { withClusterFlags } from '../cluster';
import { JobFlags, runJob } from '../job-runner';
import { emit, fail } from '../output';

/** Parse `--set name=value` pairs: values are YAML scalars or objects, model paths made absolute. */
function parseSets(sets: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new SlimflowError('INVALID_CONFIG', `--set takes name=value, got "${s}"`, '--set');
    out[s.slice(0, eq)] = yaml.load(s.slice(eq + 1));
  }
  return out;
}

/** `slimflow run <pipeline.yaml>`: run a hand-written pipeline with the runPipeline workflow. */
export const runCommand = withClusterFlags(
  new Command('run')
    .description('run a pipeline (YAML/JSON DAG of stages) with the generic runPipeline workflow')
    .argument('<pipeline>', 'pipeline file')
    .option('--inputs <file>', 'YAML/JSON file with the pipeline inputs')
    .option('--set <name=value...>', 'a pipeline input (repeatable); values are YAML', [])
    .option('--json', 'print the result as one JSON object on the last line')
    .option('--no-local-worker', 'do not run a worker in this process')
    .option('--keep-server', 'leave the embedded dev server running afterwards'),
).action(async (file: string, flags: JobFlags & { json?: boolean; inputs?: string; set: string[] }) => {
  try {
    if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'pipeline file does not exist', file);
    const doc = parsePipelineText(fs.readFileSync(file, 'utf8'), file);
    const cp = loadPipeline(doc, file);
    const inputs = {
      ...(flags.inputs ? (yaml.load(fs.readFileSync(flags.inputs, 'utf8')) as Record<string, unknown>) : {}),
      ...parseSets(flags.set),
    };
    // Paths given for model inputs are read by workers: make them absolute here.
    for (const [name, decl] of Object.entries(cp.pipeline.inputs)) {
      if (decl.type === 'model' && typeof inputs[name] === 'string') inputs[name] = path.resolve(inputs[name] as string);
    }
    const result = await runJob<{ outputs: unknown }>(flags, (client) =>
      client.workflow.start('runPipeline', {
        taskQueue: flags.taskQueue,
        workflowId: `pipeline-${cp.pipeline.name}-${Date.now()}`,
        args: [{ pipeline: doc as never, inputs }],
      }),
    );
    emit(!!flags.json, result, () => yaml.dump(result, { lineWidth: 120, noRefs: true }));
    process.exit(0);
  } catch (e) {
    fail(e);
  }
});
