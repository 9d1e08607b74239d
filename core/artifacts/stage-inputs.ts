// Job inputs a worker on another machine can read: the client that starts a job puts the model
// file into the shared store and sends its store reference in place of its local path.
import * as fs from 'node:fs';
import type { JobConfig } from '../config/schema';
import { SlimflowError } from '../errors';
import { decodeModel, encodeModel, hasExternalData, readModel } from '../onnx/model-io';
import { ArtifactStore, REF_SCHEME } from './store';

/** True when a store serves other machines (its objects are not files of this one). */
export const isSharedStore = (spec: string | undefined) => !!spec && spec.startsWith('s3://');

/** The config with Global.model put into `store` and replaced by its reference (already a reference: unchanged). */
export async function stageModelInput(config: JobConfig, store: ArtifactStore): Promise<JobConfig> {
  const file = config.Global.model;
  if (file.startsWith(REF_SCHEME)) return config;
  if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'model file does not exist', 'Global.model');
  const bytes = fs.readFileSync(file);
  // External weights are pulled in here, as a worker's import would, so the stored model stands alone.
  const model = hasExternalData(decodeModel(bytes, file)) ? encodeModel(readModel(file)) : bytes;
  const ref = await store.put(model, 'model', 'onnx');
  return { ...config, Global: { ...config.Global, model: ref.uri } };
}
