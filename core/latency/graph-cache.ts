import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../artifacts/atomic';
import { decodeModel, encodeModel } from '../onnx/model-io';
import { GraphProto, TensorProto } from '../onnx/proto';
import { cpuInfo, onnxruntimeVersion } from './device';

/** Optimized graphs by structure key, in this process (bounded; oldest dropped first). */
const memory = new Map<string, GraphProto>();

/** Initializers above this many bytes are stored as dims only: the walk reads their shapes, not their values. */
const KEEP_VALUES_BYTES = 1024;

/**
 * The on-disk cache, when SLIMFLOW_GRAPH_CACHE names a directory: worker processes of one machine share
 * onnxruntime's answers (a search's trials and a fleet's nightly re-runs meet the same structures in
 * different processes). The file name also hashes the runtime version and CPU flags: onnxruntime's
 * layout choices depend on both.
 */
const diskFile = (key: string, dir: string) =>
  path.join(dir, `${createHash('sha256').update(JSON.stringify([key, onnxruntimeVersion(), cpuInfo().flags])).digest('hex')}.onnx`);

/** A cached optimized graph: from memory, else from the disk cache if one is configured. */
export function cachedGraph(key: string, dir = process.env.SLIMFLOW_GRAPH_CACHE): GraphProto | undefined {
  const hit = memory.get(key);
  if (hit || !dir) return hit;
  const file = diskFile(key, dir);
  if (!fs.existsSync(file)) return undefined;
  try {
    const graph = decodeModel(fs.readFileSync(file), file).graph;
    remember(key, graph);
    return graph;
  } catch {
    return undefined; // an unreadable entry is a miss; the next estimate writes it again
  }
}

/** Keep an optimized graph for later estimates of the same structure (and on disk if configured). */
export function storeGraph(key: string, graph: GraphProto, dir = process.env.SLIMFLOW_GRAPH_CACHE): void {
  remember(key, graph);
  if (!dir) return;
  const dimsOnly = (t: TensorProto): TensorProto =>
    (t.rawData?.length ?? 0) > KEEP_VALUES_BYTES ? { name: t.name, dims: t.dims, dataType: t.dataType } : t;
  const slim: GraphProto = { ...graph, initializer: graph.initializer.map(dimsOnly) };
  writeFileAtomic(diskFile(key, dir), encodeModel({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: slim }));
}

/** Forget the graphs held in this process (the disk cache stays). */
export function forgetGraphs(): void {
  memory.clear();
}

function remember(key: string, graph: GraphProto): void {
  memory.set(key, graph);
  if (memory.size > 64) memory.delete(memory.keys().next().value!);
}
