import { AttributeProto, DataType, Model, NodeProto, TensorProto, toNum } from '../core/onnx/proto';
import { int64TensorProto } from '../core/onnx/tensor-data';

/**
 * An experiment of the first-sight breakdown (bench/latency-first-sight.ts), not used by the estimator:
 * does onnxruntime optimize a model faster when its large weights are `ConstantOfShape` stand-ins of
 * the same name, shape and type (folded back into initializers before its fusions run)? Measured: no,
 * its cost is per node, not per weight byte.
 */

/** Tensors smaller than this keep their values (shape targets, clip bounds, scales, biases). */
export const STAND_IN_MIN_ELEMENTS = 1024;

/** Large tensors of these types are weights; int64 and the rest are shape-like data and keep their values. */
const WEIGHT_TYPES: Record<number, (k: number) => Uint8Array> = {
  // Distinct values, none 0 or 1: no no-op elimination or common-subexpression pass may treat two stand-ins alike.
  [DataType.FLOAT]: (k) => new Uint8Array(Float32Array.of(0.37 + k * 1e-6).buffer),
  [DataType.INT8]: (k) => Uint8Array.of(2 + (k % 100)),
  [DataType.UINT8]: (k) => Uint8Array.of(2 + (k % 100)),
  [DataType.INT32]: (k) => new Uint8Array(Int32Array.of(2 + k).buffer),
};

/** Q/DQ read their scales and zero points by value: those inputs keep theirs. */
const QUANT_PARAM_OPS = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear']);

const count = (t: TensorProto) => (t.dims ?? []).reduce<number>((a, d) => a * toNum(d), 1);

/** A shallow copy of the model with its large weights as ConstantOfShape stand-ins; the caller's model is not changed. */
export function withStandInWeights(model: Model, minElements = STAND_IN_MIN_ELEMENTS): Model {
  const onnxOpset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!onnxOpset || toNum(onnxOpset.version) < 9) return model; // ConstantOfShape is opset 9
  const g = model.graph;
  const keep = new Set<string>([...g.input.map((i) => i.name), ...g.output.map((o) => o.name)]);
  for (const n of g.node) if (QUANT_PARAM_OPS.has(n.opType)) for (const x of n.input.slice(1)) keep.add(x);
  const replaceable = (t: TensorProto | undefined, name: string): t is TensorProto =>
    !!t && !keep.has(name) && !t.externalData?.length && WEIGHT_TYPES[t.dataType ?? 0] !== undefined && count(t) >= minElements;
  const initializer: TensorProto[] = [];
  let k = 0;
  const standIn = (name: string, t: TensorProto): NodeProto => {
    const dims = (t.dims ?? []).map(toNum);
    const shapeName = `${name}__stand_in_shape`;
    initializer.push(int64TensorProto(shapeName, [dims.length], dims));
    const value: AttributeProto = { name: 'value', type: 4, t: { dims: [1], dataType: t.dataType, rawData: WEIGHT_TYPES[t.dataType!](k++) } };
    return { opType: 'ConstantOfShape', name: `${name}__stand_in`, input: [shapeName], output: [name], attribute: [value] };
  };
  const pending = new Map<string, TensorProto>();
  for (const t of g.initializer) {
    if (replaceable(t, t.name ?? '')) pending.set(t.name!, t);
    else initializer.push(t);
  }
  const node: NodeProto[] = [];
  for (const n of g.node) {
    // An initializer's stand-in goes just before its first consumer, so the node order is otherwise the model's.
    for (const x of n.input) {
      const t = pending.get(x);
      if (t) { node.push(standIn(x, t)); pending.delete(x); }
    }
    const t = n.opType === 'Constant' && (!n.domain || n.domain === 'ai.onnx') ? n.attribute.find((a) => a.name === 'value')?.t : undefined;
    node.push(replaceable(t, n.output[0]) ? standIn(n.output[0], t) : n);
  }
  // Initializers nobody reads stay as they were.
  initializer.push(...pending.values());
  return { ...model, graph: { ...g, node, initializer } };
}
