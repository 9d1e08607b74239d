import { SlimflowError } from '../errors';
import { attr, consumerMap, makeNode, NameGenerator, producerMap, readWeight, removeDeadNodes, topologicalOrder } from '../onnx/graph';
import { DataType, GraphProto, Model, NodeProto } from '../onnx/proto';
import { floatTensorProto, int32TensorProto, int8TensorProto, uint8TensorProto } from '../onnx/tensor-data';
import { buildTable } from './lut';
import { QuantPlan } from './plan';
import { QuantParams, RangeRecord, uint8Params } from './ranges';
import { quantizeBiasInt32, quantizeWeightInt8 } from './weights';

export interface EmitOptions {
  /** Largest int8 weight magnitude: 127, or 63 ("reduce range") against u8·s8 saturation on AVX2 without VNNI. */
  weightQmax?: number;
}

/**
 * Insert all Q/DQ nodes of a plan into the model it was made for, in place: uint8 asymmetric
 * activations, int8 symmetric weights behind DequantizeLinear, int32 biases. The one place that
 * edits the graph for quantization (the plan refers to this model's node objects, hence in place).
 */
export function emitQdq(model: Model, plan: QuantPlan, ranges: RangeRecord, opts: EmitOptions = {}): Model {
  const out = model;
  const graph = out.graph;
  const names = new NameGenerator(graph);
  const added: NodeProto[] = [];

  absorbActivations(graph, plan);

  // Activations first: biases need their input's scale.
  const actParams = new Map<string, QuantParams>();
  const originalOf = new Map<string, string>();
  const qdqOf = new Map<string, { q: string; dq: string }>();
  for (const t of plan.activationTensors) {
    const range = ranges[t];
    if (!range) throw new SlimflowError('INVALID_DATA', 'no calibrated range for an activation marked for quantization', t);
    const p = uint8Params(range);
    p.scale = Math.fround(p.scale);
    actParams.set(t, p);
    const pair = insertActivationQdq(graph, names, added, t, p);
    originalOf.set(pair.dq, t);
    qdqOf.set(t, pair);
  }

  const producers = producerMap(graph);
  for (const mark of plan.marks) {
    const n = mark.node;
    const label = n.name || n.output[0];
    const w = readWeight(graph, n.input[mark.weight.slot], producers);
    if (!w) throw new SlimflowError('INVALID_MODEL', 'marked weight is no longer a constant', n.input[mark.weight.slot]);
    const qw = quantizeWeightInt8(w, mark.weight.axis, opts.weightQmax ?? 127);
    const perChannel = qw.axis !== undefined;
    const scaleDims = perChannel ? [qw.scales.length] : [];
    const wq = names.next(`${label}.weight_quantized`);
    const ws = names.next(`${label}.weight_scale`);
    const wz = names.next(`${label}.weight_zero_point`);
    const wdq = names.next(`${label}.weight_dequantized`);
    graph.initializer.push(
      int8TensorProto(wq, qw.dims, qw.q),
      floatTensorProto(ws, scaleDims, qw.scales),
      int8TensorProto(wz, scaleDims, new Int8Array(qw.scales.length)),
    );
    added.push(makeNode('DequantizeLinear', [wq, ws, wz], [wdq], names.next(`${label}.weight_dq`), perChannel ? [attr.int('axis', qw.axis!)] : []));
    n.input[mark.weight.slot] = wdq;

    if (mark.bias !== undefined) {
      const b = readWeight(graph, n.input[mark.bias], producers);
      const input = n.input[mark.activationInputs[0]];
      const inParams = actParams.get(originalOf.get(input) ?? input);
      if (!b || !inParams) throw new SlimflowError('INVALID_MODEL', 'bias needs a constant value and a quantized input', label);
      const qb = quantizeBiasInt32(b.data, inParams.scale, qw.scales);
      const bq = names.next(`${label}.bias_quantized`);
      const bs = names.next(`${label}.bias_scale`);
      const bz = names.next(`${label}.bias_zero_point`);
      const bdq = names.next(`${label}.bias_dequantized`);
      graph.initializer.push(
        int32TensorProto(bq, b.dims, qb.q),
        floatTensorProto(bs, [qb.scales.length], qb.scales),
        int32TensorProto(bz, [qb.scales.length], new Int32Array(qb.scales.length)),
      );
      added.push(makeNode('DequantizeLinear', [bq, bs, bz], [bdq], names.next(`${label}.bias_dq`), [attr.int('axis', 0)]));
      n.input[mark.bias] = bdq;
    }
  }

  // Islands: Q(in) → Cast → Gather(table) writes Q(out)'s tensor; the float ops, DQ(in) and Q(out) go.
  const gone = new Set<NodeProto>();
  const goneOutputs = new Set<string>();
  for (const island of plan.islands) {
    const inp = qdqOf.get(island.input)!;
    const out = qdqOf.get(island.output)!;
    const table = names.next(`${island.output}.table`);
    const idx = names.next(`${island.input}.index`);
    graph.initializer.push(uint8TensorProto(table, [256], buildTable(island.fn, actParams.get(island.input)!, actParams.get(island.output)!)));
    island.nodes.forEach((n) => gone.add(n));
    goneOutputs.add(inp.dq).add(out.q);
    added.push(
      makeNode('Cast', [inp.q], [idx], names.next(`${island.input}.to_index`), [attr.int('to', DataType.INT32)]),
      makeNode('Gather', [table, idx], [out.q], names.next(`${island.output}.lookup`)),
    );
  }
  graph.node = [...graph.node, ...added].filter((n) => !gone.has(n) && !(n.output.length === 1 && goneOutputs.has(n.output[0]) && /QuantizeLinear$/.test(n.opType)));
  removeDeadNodes(graph);
  graph.node = topologicalOrder(graph);
  return out;
}

/** Let the op before each absorbed Relu/Clip write the activation's output tensor, and drop the activation. */
function absorbActivations(graph: GraphProto, plan: QuantPlan): void {
  if (plan.absorbed.size === 0) return;
  const producers = producerMap(graph);
  for (const [actOut, act] of plan.absorbed) producers.get(act.input[0])!.output[0] = actOut;
  const dropped = new Set(plan.absorbed.values());
  graph.node = graph.node.filter((n) => !dropped.has(n));
}

/** t → QuantizeLinear → DequantizeLinear, with every reader of t moved to the dequantized copy. */
function insertActivationQdq(graph: GraphProto, names: NameGenerator, added: NodeProto[], t: string, p: QuantParams): { q: string; dq: string } {
  const readers = consumerMap(graph).get(t) ?? [];
  const s = names.next(`${t}.scale`);
  const z = names.next(`${t}.zero_point`);
  const q = names.next(`${t}.quantized`);
  const dq = names.next(`${t}.dequantized`);
  graph.initializer.push(floatTensorProto(s, [], Float32Array.of(p.scale)), uint8TensorProto(z, [], Uint8Array.of(p.zeroPoint)));
  for (const r of readers) r.input = r.input.map((i) => (i === t ? dq : i));
  added.push(
    makeNode('QuantizeLinear', [t, s, z], [q], names.next(`${t}.quantize`)),
    makeNode('DequantizeLinear', [q, s, z], [dq], names.next(`${t}.dequantize`)),
  );
  return { q, dq };
}
