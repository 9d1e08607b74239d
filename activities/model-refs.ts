import * as fs from 'node:fs';
import { ArtifactRef, REF_SCHEME, refFromUri } from '../core/artifacts/store';
import { SlimflowError } from '../core/errors';
import { decodeModel, encodeModel, hasExternalData, readModel } from '../core/onnx/model-io';
import { Model } from '../core/onnx/proto';
import { ActivityDeps } from './deps';

/** Load a model artifact from the store as a decoded graph. */
export async function loadModelRef(deps: ActivityDeps, ref: ArtifactRef): Promise<Model> {
  if (!ref || typeof ref.uri !== 'string') throw new SlimflowError('INVALID_PIPELINE', 'expected a model reference {uri, sha256, bytes, kind}');
  return decodeModel(await deps.store.read(ref), ref.uri);
}

/** Put a model into the store; same graph, same bytes, same ref. */
export async function storeModel(deps: ActivityDeps, model: Model): Promise<ArtifactRef> {
  return deps.store.put(encodeModel(model), 'model', 'onnx');
}

/**
 * Read a model file from disk, check that it is ONNX, and store it. A store reference instead of a
 * path (`slimflow:models/…`, put by the client that started the job) is read from the store.
 */
export async function importModelFile(deps: ActivityDeps, file: string): Promise<ArtifactRef> {
  if (file.startsWith(REF_SCHEME)) {
    const ref = refFromUri(file, 'model');
    const bytes = await deps.store.read(ref);
    decodeModel(bytes, file);
    return { ...ref, bytes: bytes.byteLength };
  }
  if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'model file does not exist', file);
  const bytes = fs.readFileSync(file);
  const model = decodeModel(bytes, file);
  // External weights (within the model's folder only) are pulled in here, so every later stage
  // sees one self-contained model.
  if (!hasExternalData(model)) return deps.store.put(bytes, 'model', 'onnx');
  return storeModel(deps, readModel(file));
}
