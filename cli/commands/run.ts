import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import * as yaml from 'js-yaml';
import { checkExpandedSize, loadPipeline, parsePipelineText } from '../../core/pipeline';
import { SlimflowError } from '../../core/errors';
import { withClusterFlags } from '../cluster';
import { exitCodeOf, JobFlags, runJob, withJobFlags } from '../job-runner';
import { pipelineWorkflowId } from '../job-id';
import { emit, fail, info } from '../output';
import { preflightPipelineOrExit } from './check';

/** Parse `--set name=value` pairs: values are YAML scalars or objects, model paths made absolute. */
function parseSets(sets: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new SlimflowError('INVALID_CONFIG', `--set takes name=value, got "${s}"`, '--set');
    const v = yaml.load(s.slice(eq + 1));
    checkExpandedSize(v, `--set ${s.slice(0, eq)}`);
    out[s.slice(0, eq)] = v;
  }
  return out;
}

/** Read the --inputs file with the same limits as a pipeline. */
function readInputs(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'inputs file does not exist', file);
  const v = parsePipelineText(fs.readFileSync(file, 'utf8'), file);
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new SlimflowError('INVALID_CONFIG', 'the inputs file must hold a mapping of input name to value', file);
  return v as Record<string, unknown>;
}

/** `slimflow run <pipeline.yaml>`: run a hand-written pipeline with the runPipeline workflow. */
export const runCommand = withJobFlags(withClusterFlags(
  new Command('run')
    .description('run a pipeline (YAML/JSON DAG of stages) with the generic runPipeline workflow')
    .argument('<pipeline>', 'pipeline file')
    .option('--inputs <file>', 'YAML/JSON file with the pipeline inputs')
    .option('--set <name=value...>', 'a pipeline input (repeatable); values are YAML', [])
    .option('--json', 'print the result as one JSON object on the last line'),
)).action(async (file: string, flags: JobFlags & { json?: boolean; inputs?: string; set: string[] }) => {
  try {
    if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'pipeline file does not exist', file);
    // Parsed and validated here, within the size and alias limits: a bad file never reaches a workflow.
    const text = fs.readFileSync(file, 'utf8');
    const doc = parsePipelineText(text, file);
    const cp = loadPipeline(doc, file);
    const inputs = { ...(flags.inputs ? readInputs(flags.inputs) : {}), ...parseSets(flags.set) };
    // Paths given for model inputs are read by workers: make them absolute here.
    for (const [name, decl] of Object.entries(cp.pipeline.inputs)) {
      if (decl.type === 'model' && typeof inputs[name] === 'string') inputs[name] = path.resolve(inputs[name] as string);
    }
    await preflightPipelineOrExit(cp.pipeline.inputs, inputs); // models decode, datasets yield: before any workflow
    const workflowId = pipelineWorkflowId(cp.pipeline.name, text, doc as Record<string, unknown>, inputs);
    const outcome = await runJob<{ outputs: unknown }>(flags, { type: 'runPipeline', workflowId, args: [{ pipeline: doc, inputs }] });
    if (outcome.result) emit(!!flags.json, outcome.result, () => yaml.dump(outcome.result, { lineWidth: 120, noRefs: true }));
    else if (outcome.interrupted) info(`job ${outcome.workflowId} cancelled${outcome.bestSoFar ? `; best so far ${outcome.bestSoFar}` : ''}`);
    process.exit(exitCodeOf(outcome, true));
  } catch (e) {
    fail(e);
  }
});
