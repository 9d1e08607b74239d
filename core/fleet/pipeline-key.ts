// The content key of a fleet entry given as a pipeline: the pipeline file's bytes, the bytes of every
// model input, the data specs and data files, the other inputs and slimflow's version. As for configs,
// paths are left out where the bytes behind them are hashed.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { SlimflowError } from '../errors';
import { loadPipeline } from '../pipeline';
import { canonicalJson, dataFileHashes, hashFile } from './key';
import type { FleetPipelineJob } from './types';

/** What a pipeline entry's key is built from (kept in key.json). */
export interface PipelineKeyParts {
  slimflow: string;
  pipeline: string;
  models: Record<string, string>;
  data: Record<string, { spec: unknown; files: Record<string, string> }>;
  inputs: Record<string, unknown>;
}

/** Compute the content key of a pipeline job. */
export function pipelineFleetKey(job: FleetPipelineJob, version: string): { key: string; parts: PipelineKeyParts } {
  const declared = loadPipeline(job.document, job.source).pipeline.inputs;
  const parts: PipelineKeyParts = { slimflow: version, pipeline: job.sha256, models: {}, data: {}, inputs: {} };
  for (const [name, v] of Object.entries(job.inputs)) {
    const type = declared[name]?.type;
    if (type === 'model' && typeof v === 'string') {
      if (!fs.existsSync(v)) throw new SlimflowError('NOT_FOUND', 'model file does not exist', v);
      parts.models[name] = hashFile(v);
    } else if (type === 'dataset' && v && typeof v === 'object') {
      const { dir: _d, labels: _l, files: _f, ...spec } = v as Record<string, unknown>;
      parts.data[name] = { spec, files: dataFileHashes(v as Record<string, unknown>, `inputs.${name}`) };
    } else {
      parts.inputs[name] = v;
    }
  }
  return { key: createHash('sha256').update(canonicalJson(parts)).digest('hex'), parts };
}
