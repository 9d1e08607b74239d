import { attrInt, findConstant, readWeight } from '../onnx/graph';
import { GraphProto, NodeProto } from '../onnx/proto';
import type { QuantizedWeight } from './weights';
import { feedsFusedFloat } from './fused-float';

/** What one op asks to have quantized; handlers only mark, qdq.ts does all the inserting. */
export interface NodeMark {
  node: NodeProto;
  /** Input slots carrying activations (uint8, calibrated). */
  activationInputs: number[];
  /** The weight input slot and its per-channel axis (undefined: per tensor). */
  weight: { slot: number; axis: number | undefined };
  /** The bias input slot, quantized to int32 with scale input_scale × weight_scale. */
  bias?: number;
  /**
   * Largest weight magnitude when it differs from the model-wide setting: depthwise kernels widen to
   * int16 before multiplying (no u8·s8 pair sums), so they keep full 8-bit weights under reduce-range.
   */
  weightQmax?: number;
  /** Quantize the output too, so onnxruntime can fuse DQ → op → Q into one integer kernel. */
  quantizeOutput: boolean;
  /** Integer weight chosen by a learned rounding (AdaRound); absent: nearest rounding by the emitter. */
  rounded?: QuantizedWeight;
}

export interface HandlerContext {
  graph: GraphProto; producers: Map<string, NodeProto>; perChannel: boolean; depthwise: boolean;
  /** Why convs with ≤ 4 input channels stay float (onnxruntime on a CPU without VNNI); undefined: they are quantized. */
  floatNarrowConvs?: string;
  /** Readers of each tensor (MatMul: whether a Gelu or LayerNorm reads its output, see fused-float.ts). */
  consumers?: Map<string, NodeProto[]>;
}

/** A mark, or the reason the node stays float. */
export type HandlerResult = NodeMark | { skip: string };

type OpHandler = (n: NodeProto, ctx: HandlerContext) => HandlerResult;

const constantWeight = (ctx: HandlerContext, name: string | undefined) => (name ? readWeight(ctx.graph, name, ctx.producers) : undefined);

/** Conv family: weight per output channel (axis 0 for Conv, axis 1 for group-1 ConvTranspose). */
const convLike = (outAxis: 0 | 1): OpHandler => (n, ctx) => {
  const w = constantWeight(ctx, n.input[1]);
  if (!w) return { skip: 'weight is not a constant' };
  if (outAxis === 1 && attrInt(n, 'group', 1) !== 1) return { skip: 'grouped ConvTranspose has no single output-channel axis' };
  const group = attrInt(n, 'group', 1);
  if (!ctx.depthwise && outAxis === 0 && group > 1 && w.dims[1] === 1) {
    return { skip: 'depthwise conv kept float: onnxruntime\'s uint8 depthwise kernel is slower than its float one on AVX2' };
  }
  if (ctx.floatNarrowConvs && outAxis === 0 && group === 1 && w.dims[1] <= 4 && w.dims.slice(2).some((k) => k > 1)) {
    // Without VNNI, onnxruntime's float NCHWc conv reads a 3-channel image directly while its u8 conv gets
    // an im2col row of only Cin·k² values per pixel (det's 3→16 stem: 6.7 ms integer vs 2.1 ms float at
    // 640×640); see cpu-placement.ts for the rule.
    return { skip: `only ${w.dims[1]} input channels: ${ctx.floatNarrowConvs}` };
  }
  const bias = n.input[2] ? constantWeight(ctx, n.input[2]) : undefined;
  if (n.input[2] && !bias) return { skip: 'bias is not a constant' };
  const depthwise = outAxis === 0 && group > 1 && w.dims[1] === 1;
  return {
    node: n,
    weightQmax: depthwise ? 127 : undefined,
    activationInputs: [0],
    weight: { slot: 1, axis: ctx.perChannel ? outAxis : undefined },
    bias: bias ? 2 : undefined,
    quantizeOutput: true,
  };
};

const matMul: OpHandler = (n, ctx) => {
  const b = constantWeight(ctx, n.input[1]);
  if (findConstant(ctx.graph, n.input[0], ctx.producers)) return { skip: 'first input is a constant' };
  // Two activations (attention's QKᵀ, AV): float unless PlanOptions.quantizeActMatMul (act-matmul.ts takes them then).
  if (!b) return { skip: 'both inputs are activations' };
  if (b.dims.length !== 2) return { skip: `weight has rank ${b.dims.length}, expected 2` };
  const island = ctx.consumers !== undefined && feedsFusedFloat(ctx.graph, n.output[0], ctx.producers, ctx.consumers, 0);
  return { node: n, activationInputs: [0], weight: { slot: 1, axis: ctx.perChannel ? 1 : undefined }, quantizeOutput: !island };
};

const gemm: OpHandler = (n, ctx) => {
  const b = constantWeight(ctx, n.input[1]);
  if (!b) return { skip: 'weight is not a constant' };
  if (attrInt(n, 'transA', 0) !== 0) return { skip: 'transA is not supported' };
  const c = n.input[2] ? constantWeight(ctx, n.input[2]) : undefined;
  const outputs = b.dims[attrInt(n, 'transB', 0) ? 0 : 1];
  const biasOk = c !== undefined && c.dims.length === 1 && c.dims[0] === outputs;
  if (n.input[2] && !biasOk) return { skip: 'bias is not a constant vector' };
  return {
    node: n,
    activationInputs: [0],
    weight: { slot: 1, axis: ctx.perChannel ? (attrInt(n, 'transB', 0) ? 0 : 1) : undefined },
    bias: biasOk ? 2 : undefined,
    quantizeOutput: true,
  };
};

/** Quantizable op types and their handlers. */
export const OP_HANDLERS: Readonly<Record<string, OpHandler>> = {
  Conv: convLike(0),
  ConvTranspose: convLike(1),
  MatMul: matMul,
  Gemm: gemm,
};

export const DEFAULT_OP_TYPES = Object.keys(OP_HANDLERS);
