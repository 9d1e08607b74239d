import { createHash } from 'node:crypto';
import { Model, TensorProto, toNum } from '../onnx/proto';

const SMALL = 64;

/** Dims and type of a tensor, plus its bytes when small (shapes, axes, scales, clip bounds). */
function tensorKey(t: TensorProto): unknown {
  const dims = (t.dims ?? []).map(toNum);
  const n = dims.reduce((a, b) => a * b, 1);
  // Values only for small tensors: encoding a large weight's bytes would cost more than the whole walk.
  if (n > SMALL) return [t.name, dims, t.dataType];
  const raw = t.rawData && t.rawData.length ? Buffer.from(t.rawData).toString('base64') : undefined;
  const typed = [t.floatData, t.int32Data, t.int64Data?.map(toNum), t.doubleData].find((v) => v && v.length);
  return [t.name, dims, t.dataType, raw ?? typed];
}

/**
 * A hash of what onnxruntime's optimizer looks at: nodes, attributes, small constants (shape targets,
 * quantization scales, clip bounds) and the dims of large weights, but not the values of large weights.
 * Two candidates with equal keys (the same model re-submitted, a structure the search met before) get the
 * same optimized graph, so the estimator can skip building a session for the second one.
 */
export function structureKey(model: Model, shapes: Record<string, number[]>, threads: number): string {
  // One JSON line per part, hashed in one update (an update per node cost more than the hashing).
  const parts = [JSON.stringify([shapes, threads, model.opsetImport.map((o) => [o.domain ?? '', toNum(o.version)])])];
  for (const n of model.graph.node) {
    const attrs = n.attribute.map((a) => [a.name, a.i !== undefined && a.i !== null ? toNum(a.i) : undefined, a.f, a.ints?.map(toNum), a.floats, a.s ? Buffer.from(a.s).toString() : undefined, a.t ? tensorKey(a.t) : undefined, a.g ? 'graph' : undefined]);
    parts.push(JSON.stringify([n.opType, n.domain ?? '', n.input, n.output, attrs]));
  }
  for (const t of model.graph.initializer) parts.push(JSON.stringify(tensorKey(t)));
  parts.push(JSON.stringify([model.graph.input.map((i) => i.name), model.graph.output.map((o) => o.name)]));
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}
