import { SlimflowError } from '../errors';
import { attr, attrFloat, consumerMap, makeNode, NameGenerator, producerMap, readWeight, removeDeadNodes, topologicalOrder } from '../onnx/graph';
import { DataType, GraphProto, Model, NodeProto } from '../onnx/proto';
import { FloatWeight, floatTensorProto, int32TensorProto, int8TensorProto, uint8TensorProto } from '../onnx/tensor-data';
import { buildTable } from './lut';
import { NodeMark } from './op-handlers';
import { QuantPlan } from './plan';
import { int8SymmetricParams, QuantParams, RangeRecord, uint8Params } from './ranges';
import { quantizeBiasInt32, quantizeWeightInt8 } from './weights';

export interface EmitOptions {
  /** Largest int8 weight magnitude: 127, or 63 ("reduce range") against u8·s8 saturation on AVX2 without VNNI. */
  weightQmax?: number;
  /** Activation type: asymmetric uint8 (default, onnxruntime CPU) or symmetric int8 with zero point 0 (TensorRT). */
  activations?: 'uint8' | 'int8';
}

/**
 * Insert all Q/DQ nodes of a plan into the model it was made for, in place: uint8 asymmetric (or
 * int8 symmetric) activations, int8 symmetric weights behind DequantizeLinear, int32 biases. The one place that
 * edits the graph for quantization (the plan refers to this model's node objects, hence in place).
 */
export function emitQdq(model: Model, plan: QuantPlan, ranges: RangeRecord, opts: EmitOptions = {}): Model {
  const out = model;
  const graph = out.graph;
  const names = new NameGenerator(graph);
  const added: NodeProto[] = [];

  absorbActivations(graph, plan);
  const int8 = opts.activations === 'int8';
  if (int8 && (plan.integerOps.length || plan.islands.length || plan.absorbed.size)) {
    throw new SlimflowError('INVALID_CONFIG', 'int8 activations need a plan made for them (PlanOptions.int8Activations)', 'activations');
  }

  // Parameters first, in producer order: biases need their input's scale, shared parameters their source's.
  const actParams = new Map<string, QuantParams>();
  for (const [t, how] of plan.tensors) {
    let p: QuantParams;
    if (how.from === 'fixed') p = { scale: how.scale, zeroPoint: how.zeroPoint };
    else if (how.from === 'tensor') p = actParams.get(how.tensor)!;
    else {
      const range = ranges[t];
      if (!range) throw new SlimflowError('INVALID_DATA', 'no calibrated range for an activation marked for quantization', t);
      p = int8 ? int8SymmetricParams(range) : uint8Params(range);
    }
    actParams.set(t, { scale: Math.fround(p.scale), zeroPoint: p.zeroPoint });
  }

  const producers = producerMap(graph);
  for (const mark of plan.marks) emitWeightAndBias(graph, names, added, mark, actParams, producers, opts.weightQmax ?? 127);

  // HardSigmoid(x; α, β) = α·clip(x + β/α, 0, 1/α): an Add whose uint8 quantizer spans [0, 1/α] clips by
  // saturating, and the readers' DequantizeLinear (scale 1/255, from the plan) applies the α.
  const qInput = new Map<string, { tensor: string; params: QuantParams }>();
  for (const m of plan.integerOps) {
    if (m.output !== 'hardsigmoid') continue;
    const n = m.node;
    const alpha = attrFloat(n, 'alpha', 0.2);
    const beta = attrFloat(n, 'beta', 0.5);
    const shifted = names.next(`${n.output[0]}.shifted`);
    const offset = names.next(`${n.output[0]}.offset`);
    graph.initializer.push(floatTensorProto(offset, [], Float32Array.of(beta / alpha)));
    qInput.set(n.output[0], { tensor: shifted, params: { scale: Math.fround(1 / (alpha * 255)), zeroPoint: 0 } });
    n.opType = 'Add';
    n.input = [n.input[0], offset];
    n.output = [shifted];
    n.attribute = [];
    m.constantInputs = [1];
  }

  // Constants of integer ops: uint8 initializers behind their own DequantizeLinear.
  for (const m of plan.integerOps) {
    for (const slot of m.constantInputs) {
      const c = readWeight(graph, m.node.input[slot], producerMap(graph))!;
      m.node.input[slot] = emitConstantUint8(graph, names, added, c, `${m.node.name || m.node.output[0]}.const${slot}`);
    }
  }

  // One QuantizeLinear per tensor; one DequantizeLinear per quantized reader (onnxruntime's selectors
  // want a DQ of their own), and one shared by all float readers.
  const consumers = consumerMap(graph);
  const quantizedReaders = new Set<NodeProto>([...plan.marks.map((m) => m.node), ...plan.integerOps.map((m) => m.node)]);
  // Ops that read and write the uint8 tensors themselves (IntegerOpMark.onUint8): no DQ before, no Q after.
  const onUint8 = new Set(plan.integerOps.filter((m) => m.onUint8).map((m) => m.node));
  const writers = producerMap(graph);
  const qName = new Map<string, string>();
  const floatDq = new Map<string, string>();
  for (const [t, p] of actParams) {
    const readers = consumers.get(t) ?? [];
    const q = names.next(`${t}.quantized`);
    const s = names.next(`${t}.scale`);
    const z = names.next(`${t}.zero_point`);
    graph.initializer.push(floatTensorProto(s, [], Float32Array.of(p.scale)), int8 ? int8TensorProto(z, [], Int8Array.of(p.zeroPoint)) : uint8TensorProto(z, [], Uint8Array.of(p.zeroPoint)));
    const src = qInput.get(t);
    const writer = writers.get(t);
    if (writer && onUint8.has(writer)) {
      writer.output = writer.output.map((o) => (o === t ? q : o));
    } else if (src) {
      const qs = names.next(`${src.tensor}.scale`);
      graph.initializer.push(floatTensorProto(qs, [], Float32Array.of(src.params.scale)));
      added.push(makeNode('QuantizeLinear', [src.tensor, qs, z], [q], names.next(`${t}.quantize`)));
    } else {
      added.push(makeNode('QuantizeLinear', [t, s, z], [q], names.next(`${t}.quantize`)));
    }
    qName.set(t, q);
    for (const r of readers) {
      if (onUint8.has(r) || (plan.shapesFromUint8 && (r.opType === 'Shape' || r.opType === 'Size'))) {
        r.input = r.input.map((i) => (i === t ? q : i));
        continue;
      }
      let dq = quantizedReaders.has(r) ? undefined : floatDq.get(t);
      if (!dq) {
        dq = names.next(`${t}.dequantized`);
        added.push(makeNode('DequantizeLinear', [q, s, z], [dq], names.next(`${t}.dequantize`)));
        if (!quantizedReaders.has(r)) floatDq.set(t, dq);
      }
      r.input = r.input.map((i) => (i === t ? dq! : i));
    }
  }

  // Islands: Q(in) → Cast → Gather(table) writes Q(out)'s tensor; the float ops, DQ(in) and Q(out) go.
  const gone = new Set<NodeProto>();
  const goneOutputs = new Set<string>();
  for (const island of plan.islands) {
    const inp = { q: qName.get(island.input)!, dq: floatDq.get(island.input)! };
    const out = { q: qName.get(island.output)! };
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

/** The int8 weight (and int32 bias) of one marked layer behind DequantizeLinear; reads the bias's input scale before rewiring. */
function emitWeightAndBias(graph: GraphProto, names: NameGenerator, added: NodeProto[], mark: NodeMark, actParams: Map<string, QuantParams>, producers: Map<string, NodeProto>, weightQmax: number): void {
  const n = mark.node;
  const label = n.name || n.output[0];
  const w = readWeight(graph, n.input[mark.weight.slot], producers);
  if (!w) throw new SlimflowError('INVALID_MODEL', 'marked weight is no longer a constant', n.input[mark.weight.slot]);
  const qw = mark.rounded ?? quantizeWeightInt8(w, mark.weight.axis, mark.weightQmax ?? weightQmax);
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
  if (mark.bias === undefined) return;
  const b = readWeight(graph, n.input[mark.bias], producers);
  const inParams = actParams.get(n.input[mark.activationInputs[0]]);
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

/** A float constant as a uint8 initializer (asymmetric, range widened to 0) behind DequantizeLinear; returns the DQ output. */
function emitConstantUint8(graph: GraphProto, names: NameGenerator, added: NodeProto[], c: FloatWeight, base: string): string {
  let lo = 0;
  let hi = 0;
  for (const v of c.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const p = uint8Params({ min: lo, max: hi });
  const scale = Math.fround(p.scale);
  const q = Uint8Array.from(c.data, (v) => Math.max(0, Math.min(255, Math.round(v / scale) + p.zeroPoint)));
  const qn = names.next(`${base}_quantized`);
  const s = names.next(`${base}_scale`);
  const z = names.next(`${base}_zero_point`);
  const dq = names.next(`${base}_dequantized`);
  graph.initializer.push(uint8TensorProto(qn, c.dims, q), floatTensorProto(s, [], Float32Array.of(scale)), uint8TensorProto(z, [], Uint8Array.of(p.zeroPoint)));
  added.push(makeNode('DequantizeLinear', [qn, s, z], [dq], names.next(`${base}_dequantize`)));
  return dq;
}

/** Let the op before each absorbed Relu/Clip write the activation's output tensor, and drop the activation. */
function absorbActivations(graph: GraphProto, plan: QuantPlan): void {
  if (plan.absorbed.size === 0) return;
  const producers = producerMap(graph);
  for (const [actOut, act] of plan.absorbed) producers.get(act.input[0])!.output[0] = actOut;
  const dropped = new Set(plan.absorbed.values());
  graph.node = graph.node.filter((n) => !dropped.has(n));
}
