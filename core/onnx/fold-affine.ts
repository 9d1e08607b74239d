import { GraphProto, NodeProto } from './proto';
import { attrInts, attrString, consumerMap, NameGenerator, producerMap, readWeight, removeDeadNodes, soleReader } from './graph';
import { floatTensorProto, FloatWeight } from './tensor-data';

/**
 * Fold constant affine maps into the neighbouring Conv, in place:
 * - Conv → Mul(c) / Div(c) / Add(c) / Sub(c), per output channel or scalar: into the conv's weights
 *   and bias. This covers PP-LCNetV3's "learnable affine blocks" and Caffe/TF-style BatchNorm written
 *   out as Sub(mean) → Mul(scale) → Add(bias) or Mul → Add, one node per pass;
 * - Mul(s) [→ Add(d)] → Conv: s into the next conv's weights; d into its bias when the conv has no
 *   padding (exact), else kept as Add(x, d/s) before the conv (still one elementwise pass fewer).
 * Only FLOAT/DOUBLE constants are read: int64 shape arithmetic is never taken for a weight.
 * Returns the number of elementwise nodes removed.
 */
export function foldAffine(graph: GraphProto): number {
  let removed = 0;
  for (let changed = true; changed;) {
    const k = foldIntoPreviousConv(graph) + foldIntoNextConv(graph);
    removed += k;
    changed = k > 0;
  }
  removeDeadNodes(graph);
  return removed;
}

/** A binary node with one constant float operand, as the affine step it is: y = x·c (`Mul`) or y = x + c (`Add`). */
export interface AffineOperand {
  /** The constant, already turned into a factor or an addend (negated for Sub, inverted for Div). */
  c: FloatWeight;
  /** Index of the data input. */
  x: number;
  op: 'Mul' | 'Add';
}

/**
 * The constant operand of Mul/Add (either side) or Sub/Div (x − c, x / c: the constant second), or
 * undefined when there is none, both sides are constant, or the constant is not float.
 */
export function constantOperand(graph: GraphProto, n: NodeProto, producers: Map<string, NodeProto>): AffineOperand | undefined {
  if (!['Mul', 'Add', 'Sub', 'Div'].includes(n.opType) || n.input.length !== 2) return undefined;
  const commutes = n.opType === 'Mul' || n.opType === 'Add';
  for (const x of commutes ? [0, 1] : [0]) {
    const c = readWeight(graph, n.input[1 - x], producers);
    if (!c || readWeight(graph, n.input[x], producers)) continue;
    if (n.opType === 'Sub') return { c: { dims: c.dims, data: c.data.map((v) => -v) }, x, op: 'Add' };
    if (n.opType === 'Div') return c.data.every((v) => v !== 0) ? { c: { dims: c.dims, data: c.data.map((v) => 1 / v) }, x, op: 'Mul' } : undefined;
    return { c, x, op: n.opType as 'Mul' | 'Add' };
  }
  return undefined;
}

/**
 * Per-output-channel values of a constant broadcast against a conv output of rank `rank`
 * (N×C×spatial…), or undefined when broadcasting would not be per channel: a scalar, or C followed
 * by rank−2 ones ([C,1,1], [1,C,1,1] for 2-D convs). A plain [C] aligns with the last spatial axis,
 * not with C, and is not per channel; a constant of higher rank would grow the output's rank.
 */
export function perChannel(c: FloatWeight, channels: number, rank = 4): Float32Array | undefined {
  if (c.dims.length > rank) return undefined;
  if (c.data.length === 1) return new Float32Array(channels).fill(c.data[0]);
  const dims = [...c.dims];
  while (dims.length > rank - 1 && dims[0] === 1) dims.shift();
  if (dims.length === rank - 1 && dims[0] === channels && dims.slice(1).every((d) => d === 1)) return c.data;
  return undefined;
}

function foldIntoPreviousConv(graph: GraphProto): number {
  const producers = producerMap(graph);
  const consumers = consumerMap(graph);
  const outputs = new Set(graph.output.map((o) => o.name));
  const names = new NameGenerator(graph);
  const gone = new Set<NodeProto>();
  for (const n of graph.node) {
    const op = constantOperand(graph, n, producers);
    const conv = op && producers.get(n.input[op.x]);
    if (!op || conv?.opType !== 'Conv' || gone.has(conv)) continue;
    if ((consumers.get(conv.output[0]) ?? []).length !== 1 || outputs.has(conv.output[0])) continue;
    const w = readWeight(graph, conv.input[1], producers);
    const b = conv.input[2] ? readWeight(graph, conv.input[2], producers) : undefined;
    if (!w || (conv.input[2] && !b)) continue;
    const channels = w.dims[0];
    const c = perChannel(op.c, channels, w.dims.length);
    if (!c) continue;
    const inner = w.data.length / channels;
    const scale = op.op === 'Mul';
    const newW = scale ? Float32Array.from(w.data, (v, i) => v * c[Math.floor(i / inner)]) : w.data;
    const newB = Float32Array.from({ length: channels }, (_, o) => (scale ? (b?.data[o] ?? 0) * c[o] : (b?.data[o] ?? 0) + c[o]));
    const base = conv.name || conv.output[0];
    const wName = names.next(`${base}.weight_affine`);
    const bName = names.next(`${base}.bias_affine`);
    graph.initializer.push(floatTensorProto(wName, w.dims, newW), floatTensorProto(bName, [channels], newB));
    conv.input = [conv.input[0], wName, bName];
    conv.output = [n.output[0]];
    gone.add(n);
  }
  graph.node = graph.node.filter((n) => !gone.has(n));
  return gone.size;
}

const hasPadding = (conv: NodeProto) => {
  const autoPad = attrString(conv, 'auto_pad') ?? 'NOTSET';
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return true;
  return (attrInts(conv, 'pads') ?? []).some((p) => p !== 0);
};

function foldIntoNextConv(graph: GraphProto): number {
  const producers = producerMap(graph);
  const names = new NameGenerator(graph);
  const only = soleReader(graph);
  const gone = new Set<NodeProto>();
  for (const mul of graph.node) {
    if (gone.has(mul)) continue;
    const m = constantOperand(graph, mul, producers);
    if (m?.op !== 'Mul' || m.c.data.length !== 1 || m.c.data[0] === 0) continue;
    const s = m.c.data[0];
    let add = only(mul.output[0]);
    const a = add && constantOperand(graph, add, producers);
    if (a?.op !== 'Add' || add!.input[a.x] !== mul.output[0] || a.c.data.length !== 1) add = undefined;
    const conv = only((add ?? mul).output[0]);
    if (conv?.opType !== 'Conv' || conv.input[0] !== (add ?? mul).output[0] || gone.has(conv)) continue;
    const w = readWeight(graph, conv.input[1], producers);
    const b = conv.input[2] ? readWeight(graph, conv.input[2], producers) : undefined;
    if (!w || (conv.input[2] && !b) || m.c.dims.length > w.dims.length) continue;
    const channels = w.dims[0];
    const inner = w.data.length / channels;
    const newB = Float32Array.from({ length: channels }, (_, o) => b?.data[o] ?? 0);
    const d = add && a ? a.c.data[0] : 0;
    const exact = !hasPadding(conv);
    // conv(s·x + d) = conv_{W·s}(x) + d·ΣW per output channel, exact when no padding reads zeros.
    if (add && exact) for (let i = 0; i < w.data.length; i++) newB[Math.floor(i / inner)] += d * w.data[i];
    const base = conv.name || conv.output[0];
    const wName = names.next(`${base}.weight_affine`);
    const bName = names.next(`${base}.bias_affine`);
    graph.initializer.push(floatTensorProto(wName, w.dims, Float32Array.from(w.data, (v) => v * s)), floatTensorProto(bName, [channels], newB));
    conv.input = [conv.input[0], wName, bName];
    const x = mul.input[m.x];
    if (add && !exact) {
      // s·x + d = s·(x + d/s): the Add stays in front of the padded conv, with the scale moved into W.
      const offset = names.next(`${add.name || add.output[0]}.offset`);
      graph.initializer.push(floatTensorProto(offset, [], Float32Array.of(d / s)));
      add.opType = 'Add'; // a Sub(x, d) already has d negated
      add.input = [x, offset];
    } else {
      conv.input[0] = x;
      if (add) gone.add(add);
    }
    gone.add(mul);
  }
  graph.node = graph.node.filter((n) => !gone.has(n));
  return gone.size;
}
