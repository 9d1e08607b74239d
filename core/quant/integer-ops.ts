import { attrFloat, readWeight } from '../onnx/graph';
import { GraphProto, NodeProto } from '../onnx/proto';

/**
 * How the quantizer of an integer op's output gets its parameters:
 * - `calibrated`: from the calibrated range of the output tensor;
 * - `input`: the same scale and zero point as the first input, so onnxruntime drops the DQ/Q pair and
 *   runs the op on uint8 directly (Resize, Reshape…: its selector requires equal parameters);
 * - `unit`: fixed [0, 1] (Sigmoid), no calibration needed;
 * - `hardsigmoid`: the node is emitted as Add(x, β/α) whose uint8 quantizer covers [0, 1/α] and so
 *   saturates exactly like the clip; its readers dequantize with scale α times that, folding the ×α.
 */
export type OutputRule = 'calibrated' | 'input' | 'unit' | 'hardsigmoid';

/** A non-weight op kept in the integer domain: every activation input and the output get Q/DQ. */
export interface IntegerOpMark {
  node: NodeProto;
  /** Input slots read through DequantizeLinear (each must be a quantized tensor). */
  activationInputs: number[];
  /** Input slots holding float constants, stored as uint8 behind their own DequantizeLinear. */
  constantInputs: number[];
  output: OutputRule;
  /**
   * The op reads the uint8 tensor itself and writes uint8 (no DQ before it, no Q after it): what
   * onnxruntime runs anyway once it drops an equal-parameter DQ/Q pair, with fewer nodes in the file.
   * Set by the 'integer-wide' placement for data-movement ops (IntegerOpRule.uint8).
   */
  onUint8?: boolean;
}

interface IntegerOpRule {
  /** Slots that carry the data flowing through the op (shape/axes inputs are not data). */
  dataSlots: (n: NodeProto) => number[];
  output: OutputRule;
  /** Every output shares the first input's parameters (Split); other ops must have exactly one output. */
  everyOutput?: boolean;
  /** Defined by ONNX on uint8 as on float (data movement; MaxPool from opset 12), so it can run on the quantized tensor as is. */
  uint8?: boolean | { minOpset: number };
}

const first = () => [0];
const all = (n: NodeProto) => n.input.map((_, i) => i).filter((i) => n.input[i]);

/**
 * Ops onnxruntime's CPU provider runs on uint8 when wrapped in DQ → op → Q: Add/Mul become
 * QLinearAdd/QLinearMul, pools and Sigmoid their QLinear forms, Concat QLinearConcat, and the
 * data-movement ops run as is on uint8 once their DQ/Q pair is dropped.
 */
export const INTEGER_OP_RULES: Readonly<Record<string, IntegerOpRule>> = {
  Add: { dataSlots: all, output: 'calibrated' },
  Mul: { dataSlots: all, output: 'calibrated' },
  HardSigmoid: { dataSlots: first, output: 'hardsigmoid' },
  Sigmoid: { dataSlots: first, output: 'unit' },
  GlobalAveragePool: { dataSlots: first, output: 'calibrated' },
  AveragePool: { dataSlots: first, output: 'calibrated' },
  Concat: { dataSlots: all, output: 'calibrated' },
  Resize: { dataSlots: first, output: 'input' },
  Reshape: { dataSlots: first, output: 'input', uint8: true },
  Transpose: { dataSlots: first, output: 'input', uint8: true },
  Flatten: { dataSlots: first, output: 'input', uint8: true },
  DepthToSpace: { dataSlots: first, output: 'input', uint8: true },
  Squeeze: { dataSlots: first, output: 'input', uint8: true },
  Unsqueeze: { dataSlots: first, output: 'input', uint8: true },
  // Taken by the 'integer-wide' placement only (WIDE_INTEGER_OPS): the branches of a split block
  // (YOLO's C2f/C3, CSP) stay uint8, so the residual Add and the Concat that joins them run integer.
  Split: { dataSlots: first, output: 'input', everyOutput: true, uint8: true },
  Slice: { dataSlots: first, output: 'input', uint8: true },
  // Not in the default set: on PP-OCR cls onnxruntime ran the uint8 MaxPool in NCHW, pulling a Transpose
  // in between two integer kernels, 5x slower than the float one (2.3 vs 0.46 ms); read through DQ it
  // cost one small DQ/Q pair instead.
  MaxPool: { dataSlots: first, output: 'input', uint8: { minOpset: 12 } },
};

/** The ops only 'integer-wide' takes (onnxruntime runs them on uint8 once their DQ/Q pair, of equal parameters, is dropped). */
const WIDE_ONLY = new Set(['Split', 'Slice', 'MaxPool']);

/** The 'integer-path' placement's ops (the default): measured on PP-OCR, where MaxPool loses (see above). */
export const DEFAULT_INTEGER_OPS = Object.keys(INTEGER_OP_RULES).filter((op) => !WIDE_ONLY.has(op));

/**
 * The 'integer-wide' placement's ops: the default ones plus Split, Slice and MaxPool, which onnxruntime
 * runs in NHWC on uint8 (NhwcMaxPool) in a graph whose convs are all integer. Faster where blocks
 * branch through Split and join by Concat/Add, as onnxruntime's own default op types do.
 */
export const WIDE_INTEGER_OPS = Object.keys(INTEGER_OP_RULES);

/**
 * Mark `n` as an integer op when every data input is already quantized (so integer regions grow
 * forward from the conv/matmul layers and never pull float islands such as LayerNorm into Q/DQ
 * bounces) or a float constant (binary ops only). Returns undefined when the op stays float.
 */
export function markIntegerOp(graph: GraphProto, n: NodeProto, quantized: { has(t: string): boolean }, producers: Map<string, NodeProto>): IntegerOpMark | undefined {
  const rule = INTEGER_OP_RULES[n.opType];
  // MaxPool's optional Indices output has no integer form; only Split writes several outputs.
  if (!rule || (rule.everyOutput ? n.output.some((o) => !o) : n.output.length !== 1)) return undefined;
  const activationInputs: number[] = [];
  const constantInputs: number[] = [];
  for (const slot of rule.dataSlots(n)) {
    const t = n.input[slot];
    if (quantized.has(t)) { activationInputs.push(slot); continue; }
    const binary = n.opType === 'Add' || n.opType === 'Mul';
    if (binary && readWeight(graph, t, producers)) { constantInputs.push(slot); continue; }
    return undefined;
  }
  if (activationInputs.length === 0) return undefined;
  if (n.opType === 'HardSigmoid' && !(attrFloat(n, 'alpha', 0.2) > 0)) return undefined;
  return { node: n, activationInputs, constantInputs, output: rule.output };
}

/** Whether the op may run on its quantized input as is (IntegerOpMark.onUint8) at this opset. */
export function runsOnUint8(opType: string, opset: number): boolean {
  const u = INTEGER_OP_RULES[opType]?.uint8;
  return u === true || (typeof u === 'object' && opset >= u.minOpset);
}
