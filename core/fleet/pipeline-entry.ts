// A fleet entry given as a pipeline instead of a config: read and validate the pipeline, check it
// outputs what acceptance needs, and build its job inputs from the entry (model, data, inputs) with
// absolute paths. Errors are thrown; resolve.ts turns them into that entry's error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { parseDatasetSpec } from '../data/spec';
import { SlimflowError } from '../errors';
import { loadPipeline, parsePipelineText, resolveJobInputs } from '../pipeline';
import { canonicalJson } from './key';
import type { withDefaults } from './manifest';
import { absolutizeDataSpec } from './paths';
import type { FleetPipelineJob } from './types';

/** Outputs a fleet pipeline must declare: acceptance compares `best` with `baseline`. */
export const REQUIRED_PIPELINE_OUTPUTS = ['best', 'baseline'] as const;

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

function readPipeline(pipeline: string | Record<string, unknown>, baseDir: string): { document: unknown; source: string; sha256: string } {
  if (typeof pipeline !== 'string') return { document: pipeline, source: 'inline', sha256: sha256(canonicalJson(pipeline)) };
  const file = path.resolve(baseDir, pipeline);
  if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'pipeline file does not exist', file);
  const bytes = fs.readFileSync(file);
  return { document: parsePipelineText(bytes.toString('utf8'), file), source: file, sha256: sha256(bytes) };
}

/** Resolve a pipeline entry into the job its runPipeline child runs. */
export function loadPipelineJob(e: ReturnType<typeof withDefaults>, baseDir: string): FleetPipelineJob {
  const read = readPipeline(e.pipeline!, baseDir);
  const cp = loadPipeline(read.document, read.source);
  const declared = cp.pipeline.inputs;
  const missing = REQUIRED_PIPELINE_OUTPUTS.filter((o) => !Object.hasOwn(cp.pipeline.outputs, o));
  if (missing.length > 0) {
    throw new SlimflowError('INVALID_PIPELINE', `a fleet pipeline must output ${REQUIRED_PIPELINE_OUTPUTS.join(' and ')} (candidates); missing: ${missing.join(', ')}`, `${read.source}: outputs`);
  }
  const inputs: Record<string, unknown> = { ...(e.inputs ?? {}) };
  if (e.model) inputs.model = e.model;
  if (e.data?.calibration) inputs.calib = e.data.calibration;
  if (e.data?.eval) inputs.eval = e.data.eval;
  // Paths become absolute here, so every worker reads the same files and the key sees them.
  for (const [name, v] of Object.entries(inputs)) {
    const type = declared[name]?.type;
    if (type === 'model' && typeof v === 'string') inputs[name] = path.resolve(baseDir, v);
    if (type === 'dataset' && v && typeof v === 'object') inputs[name] = absolutizeDataSpec(parseDatasetSpec(v, `models.${e.name}: ${name}`), baseDir);
  }
  // Unknown, missing or mistyped inputs are this entry's error before anything runs.
  resolveJobInputs(cp, inputs);
  return { document: read.document as Record<string, unknown>, source: read.source, sha256: read.sha256, inputs, threads: e.deploy?.threads ?? 1 };
}
