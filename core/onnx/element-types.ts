import { DataType, GraphProto } from './proto';
import { attrInt, constantNodeValue, topologicalOrder } from './graph';

/** Ops whose output has the element type of their first input. */
const LIKE_FIRST = new Set([
  'Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'Clip', 'HardSigmoid', 'HardSwish', 'Erf', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Log',
  'Elu', 'Selu', 'Softplus', 'Gelu', 'Mish', 'PRelu', 'Pow', 'Softmax', 'LogSoftmax', 'Identity', 'Dropout',
  'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Slice', 'Gather', 'Split', 'Expand', 'Tile', 'Pad',
  'Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool',
  'Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'LRN',
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin',
]);
/** Ops whose inputs all share one element type, which the output has too. */
const LIKE_ANY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum', 'Mean', 'Concat']);

/**
 * Tensors known to be FLOAT (float32), by forward propagation from float graph inputs, float
 * constants and Cast(to=FLOAT); a tensor not in the set may still be float, but is not known to be.
 */
export function knownFloat32(graph: GraphProto): Set<string> {
  const float = new Set<string>();
  for (const i of graph.input) if (i.type?.tensorType?.elemType === DataType.FLOAT) float.add(i.name);
  for (const t of graph.initializer) if (t.dataType === DataType.FLOAT && t.name) float.add(t.name);
  for (const n of topologicalOrder(graph)) {
    const out = n.output[0];
    if (!out) continue;
    const yes = n.opType === 'Constant' ? constantNodeValue(n)?.dataType === DataType.FLOAT
      : n.opType === 'Cast' ? attrInt(n, 'to', 0) === DataType.FLOAT
        : n.opType === 'Where' ? float.has(n.input[1]) || float.has(n.input[2])
          : LIKE_FIRST.has(n.opType) ? float.has(n.input[0])
            : LIKE_ANY.has(n.opType) && n.input.some((i) => float.has(i));
    if (!yes) continue;
    // Split has several outputs of its input's type; the others have one.
    for (const o of n.opType === 'Split' ? n.output : [out]) if (o) float.add(o);
  }
  return float;
}
