// The float islands onnxruntime fuses in a transformer stay float: Add(bias) → Gelu (written out
// through Erf, or the tanh form) becomes BiasGelu / Gelu / FastGelu, and Add(bias) → Add(residual) →
// LayerNormalization becomes SkipLayerNormalization — each one pass over the tensor instead of
// several. Their patterns need the float tensors they read: a quantized tensor there gets one
// DequantizeLinear per reader (onnxruntime duplicates them) or a QLinearAdd, and the fusion breaks
// (the Gelu then runs as five float ops). So those Adds stay off the integer path, and a weight
// layer feeding a Gelu or LayerNorm directly keeps a float output (MatMulIntegerToFloat). A weight
// layer before the bias Add keeps its quantized output: a float MatMul output with a bias Add after it
// is fused into a float Gemm when shapes are known, before the integer fusions run.
import { readWeight } from '../onnx/graph';
import { GraphProto, NodeProto } from '../onnx/proto';

/** Whether `r` starts a Gelu as exporters write it: the op (opset 20), Erf's x/√2, the tanh form's x³. */
function startsGelu(graph: GraphProto, r: NodeProto, producers: Map<string, NodeProto>, consumers: Map<string, NodeProto[]>): boolean {
  if (r.opType === 'Gelu' || r.opType === 'FastGelu' || r.opType === 'BiasGelu') return true;
  if (r.opType === 'Div' || r.opType === 'Mul') return (consumers.get(r.output[0]) ?? []).some((x) => x.opType === 'Erf');
  return r.opType === 'Pow' && readWeight(graph, r.input[1], producers)?.data[0] === 3;
}

/**
 * Whether `tensor` is read by a fused float island: a Gelu, or a LayerNormalization directly or
 * through up to `adds` Adds (bias, then residual), so it stays float.
 */
export function feedsFusedFloat(graph: GraphProto, tensor: string, producers: Map<string, NodeProto>, consumers: Map<string, NodeProto[]>, adds = 2): boolean {
  return (consumers.get(tensor) ?? []).some((r) =>
    startsGelu(graph, r, producers, consumers)
    || (r.opType === 'LayerNormalization' && r.input[0] === tensor)
    || (r.opType === 'Add' && adds > 0 && feedsFusedFloat(graph, r.output[0], producers, consumers, adds - 1)));
}
