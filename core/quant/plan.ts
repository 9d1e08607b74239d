import { consumerMap, producerMap, readWeight } from '../onnx/graph';
import { Model, NodeProto } from '../onnx/proto';
import { DEFAULT_OP_TYPES, NodeMark, OP_HANDLERS } from './op-handlers';
import { findHardSwishIsland, LutIsland } from './lut';

export interface PlanOptions {
  opTypes?: string[];
  skipNodes?: string[];
  perChannel?: boolean;
  /**
   * Quantize depthwise convs (default false on the x86 CPU preset: measured on PP-OCR cls at 1
   * thread, 53 QLinearConv ran 13.2 ms vs 9.4 ms with the 11 depthwise convs left float).
   */
  quantizeDepthwise?: boolean;
  /**
   * Replace float HardSwish islands between quantizers by 256-entry tables (default false: exact and
   * more accurate, but onnxruntime's Gather is slow per byte and blocks its NHWC layout, so slower today).
   */
  tableActivations?: boolean;
}

/** Which nodes get integer kernels and which tensors need calibrated ranges. */
export interface QuantPlan {
  marks: NodeMark[];
  skipped: { name: string; reason: string }[];
  /** Every activation tensor that receives a Q/DQ pair; exactly these are calibrated. */
  activationTensors: string[];
  /**
   * Relu/Clip nodes that vanish into the quantizer of the op before them: a uint8 quantizer whose
   * range starts at 0 already clamps like ReLU, so op → act → Q becomes op → Q (key: act output).
   */
  absorbed: Map<string, NodeProto>;
  /** Elementwise islands run as uint8 lookup tables; both ends are in activationTensors. */
  islands: LutIsland[];
}

const nodeName = (n: NodeProto) => n.name || n.output[0];

/** Decide what to quantize: ask each op handler, then collect the activation tensors to calibrate. */
export function planQuantization(model: Model, opts: PlanOptions = {}): QuantPlan {
  const graph = model.graph;
  const producers = producerMap(graph);
  const consumers = consumerMap(graph);
  const graphOutputs = new Set(graph.output.map((o) => o.name));
  const opTypes = new Set(opts.opTypes ?? DEFAULT_OP_TYPES);
  const skipNodes = new Set(opts.skipNodes ?? []);
  const ctx = { graph, producers, perChannel: opts.perChannel ?? true, depthwise: opts.quantizeDepthwise ?? false };
  const marks: NodeMark[] = [];
  const skipped: QuantPlan['skipped'] = [];
  const activations = new Set<string>();
  const absorbed = new Map<string, NodeProto>();
  const islands: LutIsland[] = [];

  for (const n of graph.node) {
    const handler = OP_HANDLERS[n.opType];
    if (!handler || !opTypes.has(n.opType)) continue;
    if (skipNodes.has(nodeName(n))) { skipped.push({ name: nodeName(n), reason: 'listed in skipNodes' }); continue; }
    const res = handler(n, ctx);
    if ('skip' in res) { skipped.push({ name: nodeName(n), reason: res.skip }); continue; }
    marks.push(res);
    for (const slot of res.activationInputs) activations.add(n.input[slot]);
    if (res.quantizeOutput && !graphOutputs.has(n.output[0])) {
      const act = absorbableActivation(n.output[0]);
      if (act) absorbed.set(act.output[0], act);
      const t = act ? act.output[0] : n.output[0];
      activations.add(t);
      const island = !opts.tableActivations ? undefined : findHardSwishIsland(graph, t, consumers);
      if (island && !graphOutputs.has(island.output)) {
        islands.push(island);
        activations.add(island.output);
      }
    }
  }
  return { marks, skipped, activationTensors: [...activations], absorbed, islands };

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
