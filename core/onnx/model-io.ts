import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlimflowError } from '../errors';
import { writeFileAtomic } from '../artifacts/atomic';
import { isWithin } from '../artifacts/contain';
import { Model, ModelProto, TensorProto, toNum } from './proto';

/** Decode ONNX bytes; errors name the file. External data stays as references until resolved. */
export function decodeModel(bytes: Uint8Array, file = '<bytes>'): Model {
  let msg: Model;
  try {
    msg = ModelProto.decode(bytes) as unknown as Model;
  } catch (e) {
    const reason = (e as Error).message;
    const why = reason.startsWith('index out of range') ? 'not ONNX protobuf, or the file ends early (truncated?)' : reason;
    throw new SlimflowError('INVALID_MODEL', `not a readable ONNX model: ${why}`, file);
  }
  if (!msg.graph || (msg.graph.node ?? []).length === 0 || (msg.opsetImport ?? []).length === 0) {
    throw new SlimflowError('INVALID_MODEL', 'not an ONNX model: no graph, nodes or opset imports', file);
  }
  return msg;
}

/** Serialize a model to protobuf bytes. */
export function encodeModel(model: Model): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(model as never)).finish();
}

/** True when some tensor keeps its bytes in an external file (ONNX data_location EXTERNAL). */
export function hasExternalData(model: Model): boolean {
  for (const t of allTensors(model)) if (t.dataLocation === 1) return true;
  return false;
}

/** Read an ONNX file, pulling external-data tensors in from their files beside it. */
export function readModel(file: string): Model {
  if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'model file does not exist', file);
  const model = decodeModel(fs.readFileSync(file), file);
  loadExternalData(model, path.dirname(file), file);
  return model;
}

/**
 * Write a model atomically. With `externalDataThreshold`, tensors of at least that many bytes go to
 * `<file>.data` beside it (needed past protobuf's 2 GiB limit); the model itself is left unchanged.
 */
export function writeModel(model: Model, file: string, opts: { externalDataThreshold?: number } = {}): void {
  if (opts.externalDataThreshold === undefined) {
    writeFileAtomic(file, encodeModel(model));
    return;
  }
  const dataName = `${path.basename(file)}.data`;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const moved: { t: TensorProto; raw: Uint8Array }[] = [];
  for (const t of allTensors(model)) {
    const raw = t.rawData;
    if (!raw || raw.byteLength < opts.externalDataThreshold) continue;
    moved.push({ t, raw });
    t.externalData = [
      { key: 'location', value: dataName },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.byteLength) },
    ];
    t.dataLocation = 1;
    t.rawData = new Uint8Array(0);
    chunks.push(raw);
    offset += raw.byteLength;
  }
  try {
    writeFileAtomic(path.join(path.dirname(file), dataName), Buffer.concat(chunks));
    writeFileAtomic(file, encodeModel(model));
  } finally {
    // The caller's model keeps its weights in memory.
    for (const { t, raw } of moved) {
      t.rawData = raw;
      delete t.externalData;
      delete t.dataLocation;
    }
  }
}

function loadExternalData(model: Model, dir: string, file: string): void {
  for (const t of allTensors(model)) {
    if (t.dataLocation !== 1) continue;
    const entries = Object.fromEntries((t.externalData ?? []).map((e) => [e.key, e.value]));
    const loc = path.resolve(dir, entries.location ?? '');
    // By path.relative, not a string prefix: `../ext-secret/w.bin` beside a folder `ext` starts with it.
    if (!isWithin(dir, loc) || loc === path.resolve(dir)) throw new SlimflowError('INVALID_MODEL', `external data outside the model folder: ${entries.location}`, `${file}#${t.name}`);
    if (!fs.existsSync(loc)) throw new SlimflowError('INVALID_MODEL', `external data file missing: ${entries.location}`, `${file}#${t.name}`);
    const offset = Number(entries.offset ?? 0);
    const buf = fs.readFileSync(loc);
    const length = entries.length !== undefined ? Number(entries.length) : buf.length - offset;
    if (offset + length > buf.length) throw new SlimflowError('INVALID_MODEL', 'external data is truncated', `${file}#${t.name}`);
    t.rawData = new Uint8Array(buf.subarray(offset, offset + length));
    // Deleted, not zeroed: proto2 would write an explicit zero and the bytes would differ.
    delete t.externalData;
    delete t.dataLocation;
  }
}

/** Every tensor of the model that can hold weights: initializers and Constant-node values, subgraphs included. */
export function* allTensors(model: Model): Generator<TensorProto> {
  const stack = [model.graph];
  while (stack.length) {
    const g = stack.pop()!;
    yield* g.initializer ?? [];
    for (const n of g.node ?? []) {
      for (const a of n.attribute ?? []) {
        if (a.t) yield a.t;
        if (a.g) stack.push(a.g);
        for (const sub of (a.graphs as typeof g[] | undefined) ?? []) stack.push(sub);
      }
    }
  }
}

/** The default-domain opset version of a model. */
export function opsetVersion(model: Model): number {
  const ai = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  return toNum(ai?.version);
}
