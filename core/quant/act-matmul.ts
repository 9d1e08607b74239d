// Activation × activation MatMuls (attention's QKᵀ and AV) on integer kernels. Both operands get
// a quantizer and the MatMul its own DequantizeLinear per operand, the pattern onnxruntime's CPU
// optimizer turns into MatMulIntegerToFloat (float output) or, with a quantizer after it,
// QLinearMatMul. Their ranges vary most from input to input, so it is a choice the search makes
// (QuantPost.quantize_act_matmul), not a rule.
import { findConstant } from '../onnx/graph';
import { GraphProto, NodeProto } from '../onnx/proto';
import type { IntegerOpMark } from './integer-ops';
import type { TensorQuant } from './plan';

/** What quantizing one act × act MatMul asks of the plan. */
export interface ActMatMulMark {
  mark: IntegerOpMark;
  /** Each operand's quantizer: a Softmax output (attention probabilities) has the fixed range [0, 1]. */
  inputs: [string, TensorQuant][];
  /** Whether the output gets a quantizer too (only when every reader runs on uint8). */
  quantizeOutput: boolean;
}

/** Softmax outputs lie in [0, 1]: uint8 with scale 1/255 covers it exactly, no calibration needed. */
const PROBABILITIES: TensorQuant = { from: 'fixed', scale: 1 / 255, zeroPoint: 0 };

/**
 * The mark of a MatMul whose two inputs are both activations, or undefined when one is a constant.
 * `integerReader` says whether a reader of the output would run on uint8 (then the output is
 * quantized and onnxruntime fuses QLinearMatMul; QKᵀ feeds a float Div/Softmax and keeps a float output).
 */
export function markActMatMul(
  graph: GraphProto, n: NodeProto, producers: Map<string, NodeProto>, consumers: Map<string, NodeProto[]>,
  integerReader: (reader: NodeProto) => boolean, graphOutputs: Set<string>,
): ActMatMulMark | undefined {
  if (n.opType !== 'MatMul' || n.input.length !== 2) return undefined;
  if (n.input.some((t) => findConstant(graph, t, producers))) return undefined;
  const inputs = n.input.map((t): [string, TensorQuant] => [t, producers.get(t)?.opType === 'Softmax' ? PROBABILITIES : { from: 'range' }]);
  const readers = consumers.get(n.output[0]) ?? [];
  const quantizeOutput = !graphOutputs.has(n.output[0]) && readers.length > 0 && readers.every(integerReader);
  return { mark: { node: n, activationInputs: [0, 1], constantInputs: [], output: 'calibrated' }, inputs, quantizeOutput };
}
