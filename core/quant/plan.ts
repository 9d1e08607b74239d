import { consumerMap, producerMap, readWeight } from '../onnx/graph';
import { Model, NodeProto } from '../onnx/proto';
import { DEFAULT_OP_TYPES, NodeMark, OP_HANDLERS } from './op-handlers';
import { findHardSwishIsland, LutIsland } from './lut';
import { DEFAULT_INTEGER_OPS, IntegerOpMark, markIntegerOp, runsOnUint8, WIDE_INTEGER_OPS } from './integer-ops';
import { opsetVersion } from '../onnx/model-io';
import { type CpuFeatures, cpuFeatures } from '../runtime/cpu-features';
import { floatNarrowConvsRule } from './cpu-placement';
import { markActMatMul } from './act-matmul';
import { feedsFusedFloat } from './fused-float';

export interface PlanOptions {
  opTypes?: string[];
  skipNodes?: string[];
  perChannel?: boolean;
  /**
   * Quantize depthwise convs (default true). Alone, a uint8 depthwise conv is slower than the float
   * one on AVX2 (cls: 13.2 vs 9.4 ms of convs), but leaving it float breaks the integer path into
   * DQ/transpose/reorder/Q bounces around every block; with the whole path integer it wins (rec 1.63x
   * → 2.47x vs FP32). Depthwise weights keep full 8 bits (see NodeMark.weightQmax).
   */
  quantizeDepthwise?: boolean;
  /**
   * Replace float HardSwish islands between quantizers by 256-entry tables (default false: exact and
   * more accurate, but onnxruntime's Gather is slow per byte and blocks its NHWC layout, so slower today).
   */
  tableActivations?: boolean;
  /**
   * Keep the activation path integer between layers (default true): Add, Mul, HardSigmoid, pools,
   * Concat, Resize… fed only by quantized tensors get Q/DQ too, so onnxruntime runs QLinearAdd/
   * QLinearMul/… in NHWC instead of bouncing to float (and transposing) around every HardSwish.
   */
  integerActivations?: boolean;
  /** Which non-weight ops the integer path may take (default DEFAULT_INTEGER_OPS). */
  integerOpTypes?: string[];
  /**
   * The 'integer-wide' placement (default false): the integer path also takes Split, Slice and MaxPool
   * (WIDE_INTEGER_OPS, unless integerOpTypes says otherwise), so split blocks' Add/Concat join it; and
   * the output tail stays float: ops from which no weight layer is reachable (a detector's decode, the
   * Concat of boxes and class scores) gain nothing from uint8 and would lose the outputs' precision.
   */
  wideIntegerPath?: boolean;
  /**
   * Symmetric int8 activations (the TensorRT preset): no integer path and no Relu/Clip absorbed into
   * quantizers (a symmetric quantizer does not clamp at 0), and narrow convs quantized too.
   */
  int8Activations?: boolean;
  /** The deploy CPU whose features key the narrow-conv rule (default: this machine's). */
  cpu?: CpuFeatures;
  /**
   * Quantize both operands of MatMuls that multiply two activations (attention's QKᵀ and AV; default
   * false: left float, see act-matmul.ts). Not with int8Activations (the TensorRT preset).
   */
  quantizeActMatMul?: boolean;
}

/** Where a quantized tensor's scale and zero point come from. */
export type TensorQuant =
  | { from: 'range' }
  | { from: 'tensor'; tensor: string }
  | { from: 'fixed'; scale: number; zeroPoint: number };

/** Which nodes get integer kernels and which tensors need calibrated ranges. */
export interface QuantPlan {
  marks: NodeMark[];
  skipped: { name: string; reason: string }[];
  /** Non-weight ops kept integer (see integer-ops.ts). */
  integerOps: IntegerOpMark[];
  /** Activation tensors whose parameters come from calibration; exactly these are calibrated. */
  activationTensors: string[];
  /** Every tensor that gets one QuantizeLinear, in producer order, with where its parameters come from. */
  tensors: Map<string, TensorQuant>;
  /**
   * Relu/Clip nodes that vanish into the quantizer of the op before them: a uint8 quantizer whose
   * range starts at 0 already clamps like ReLU, so op → act → Q becomes op → Q (key: act output).
   */
  absorbed: Map<string, NodeProto>;
  /** Elementwise islands run as uint8 lookup tables; both ends are in activationTensors. */
  islands: LutIsland[];
  /**
   * Shape/Size readers of a quantized tensor read the uint8 tensor (same dims) instead of a DQ, which
   * onnxruntime would run in full, after a NHWC→NCHW Transpose, only to take a shape ('integer-wide').
   */
  shapesFromUint8?: boolean;
}

const nodeName = (n: NodeProto) => n.name || n.output[0];

/** Nodes from which no weight layer (`isLayer`) is reachable: the graph's output tail. */
function tailNodes(graph: { node: NodeProto[] }, consumers: Map<string, NodeProto[]>, isLayer: (n: NodeProto) => boolean): Set<NodeProto> {
  const feedsLayer = new Set<NodeProto>();
  // Reverse topological order: a node's readers are decided before the node.
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const n = graph.node[i];
    if (isLayer(n) || n.output.some((o) => (consumers.get(o) ?? []).some((r) => feedsLayer.has(r)))) feedsLayer.add(n);
  }
  return new Set(graph.node.filter((n) => !feedsLayer.has(n)));
}

/** Decide what to quantize: ask each op handler, then collect the activation tensors to calibrate. */
export function planQuantization(model: Model, opts: PlanOptions = {}): QuantPlan {
  const graph = model.graph;
  const producers = producerMap(graph);
  const consumers = consumerMap(graph);
  const graphOutputs = new Set(graph.output.map((o) => o.name));
  const opTypes = new Set(opts.opTypes ?? DEFAULT_OP_TYPES);
  const skipNodes = new Set(opts.skipNodes ?? []);
  const int8 = opts.int8Activations ?? false;
  const narrow = floatNarrowConvsRule(opts.cpu ?? cpuFeatures());
  const floatNarrowConvs = !int8 && narrow.apply ? narrow.reason : undefined;
  const ctx = { graph, producers, perChannel: opts.perChannel ?? true, depthwise: opts.quantizeDepthwise ?? true, floatNarrowConvs, consumers };
  const marks: NodeMark[] = [];
  const skipped: QuantPlan['skipped'] = [];
  const tensors = new Map<string, TensorQuant>();
  const integerOps: IntegerOpMark[] = [];
  const integerPath = (opts.integerActivations ?? true) && !opts.tableActivations && !int8;
  const integerOpTypes = new Set(opts.integerOpTypes ?? (opts.wideIntegerPath ? WIDE_INTEGER_OPS : DEFAULT_INTEGER_OPS));
  const absorbed = new Map<string, NodeProto>();
  const islands: LutIsland[] = [];
  const opset = opsetVersion(model);
  const tail = opts.wideIntegerPath ? tailNodes(graph, consumers, (n) => !!OP_HANDLERS[n.opType] && opTypes.has(n.opType) && !skipNodes.has(nodeName(n))) : new Set<NodeProto>();

  const quantize = (t: string, q: TensorQuant) => { if (!tensors.has(t)) tensors.set(t, q); };
  // The prepared graph is topologically sorted, so a node's inputs are decided before the node.
  for (const n of graph.node) {
    const handler = OP_HANDLERS[n.opType] as (typeof OP_HANDLERS)[string] | undefined;
    if (skipNodes.has(nodeName(n))) {
      if (handler || integerPath) skipped.push({ name: nodeName(n), reason: 'listed in skipNodes' });
      continue;
    }
    const actMatMul = opts.quantizeActMatMul && !int8 && opTypes.has(n.opType)
      ? markActMatMul(graph, n, producers, consumers, (r) => (integerPath && integerOpTypes.has(r.opType)) || (opTypes.has(r.opType) && r.opType in OP_HANDLERS), graphOutputs)
      : undefined;
    if (actMatMul) {
      integerOps.push(actMatMul.mark);
      for (const [t, q] of actMatMul.inputs) quantize(t, q);
      if (actMatMul.quantizeOutput) quantize(n.output[0], { from: 'range' });
      continue;
    }
    if (handler && opTypes.has(n.opType)) {
      const res = handler(n, ctx);
      if ('skip' in res) { skipped.push({ name: nodeName(n), reason: res.skip }); continue; }
      marks.push(res);
      for (const slot of res.activationInputs) quantize(n.input[slot], { from: 'range' });
      if (res.quantizeOutput && !graphOutputs.has(n.output[0])) {
        const t = absorbOutput(n);
        quantize(t, { from: 'range' });
        const island = !opts.tableActivations || int8 ? undefined : findHardSwishIsland(graph, t, consumers);
        if (island && !graphOutputs.has(island.output)) {
          islands.push(island);
          quantize(island.output, { from: 'range' });
        }
      }
      continue;
    }
    if (!integerPath || !integerOpTypes.has(n.opType) || n.output.some((o) => graphOutputs.has(o)) || tail.has(n)) continue;
    // Adds into a Gelu or LayerNorm stay float so that onnxruntime fuses them (fused-float.ts).
    if (n.opType === 'Add' && feedsFusedFloat(graph, n.output[0], producers, consumers)) continue;
    const mark = markIntegerOp(graph, n, tensors, producers);
    if (!mark) continue;
    if (opts.wideIntegerPath && mark.output === 'input' && runsOnUint8(n.opType, opset)) mark.onUint8 = true;
    integerOps.push(mark);
    const input = n.input[mark.activationInputs[0]];
    if (mark.output === 'input') for (const o of n.output) quantize(o, { from: 'tensor', tensor: input });
    else if (mark.output === 'unit' || mark.output === 'hardsigmoid') quantize(n.output[0], { from: 'fixed', scale: 1 / 255, zeroPoint: 0 });
    else quantize(n.opType === 'Add' ? absorbOutput(n) : n.output[0], { from: 'range' });
  }
  const activationTensors = [...tensors].filter(([, q]) => q.from === 'range').map(([t]) => t);
  return { marks, integerOps, skipped, activationTensors, tensors, absorbed, islands, ...(opts.wideIntegerPath ? { shapesFromUint8: true } : {}) };

  /** The tensor the node's quantizer will sit on: its own output, or that of a Relu/Clip it absorbs. */
  function absorbOutput(n: NodeProto): string {
    const act = int8 ? undefined : absorbableActivation(n.output[0]);
    if (act) absorbed.set(act.output[0], act);
    return act ? act.output[0] : n.output[0];
  }

  function absorbableActivation(t: string): NodeProto | undefined {
    const readers = consumers.get(t) ?? [];
    if (readers.length !== 1 || graphOutputs.has(t)) return undefined;
    const act = readers[0];
    if (graphOutputs.has(act.output[0])) return undefined;
    if (act.opType === 'Relu') return act;
    if (act.opType === 'Clip') {
      // The quantizer's range always contains 0, so only a lower bound at or below 0 can be absorbed.
      const lo = act.input[1] ? readWeight(graph, act.input[1], producers)?.data[0] : undefined;
      if (act.input[1] && lo === undefined) return undefined;
      if (lo === undefined || lo <= 0) return act;
    }
    return undefined;
  }
}
