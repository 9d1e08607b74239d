import { GraphProto, NodeProto } from './proto';
import { attrInts, attrString, consumerMap, NameGenerator, producerMap, readWeight, removeDeadNodes, soleReader } from './graph';
import { floatTensorProto, FloatWeight } from './tensor-data';

/**
 * Fold constant affine maps (PP-LCNetV3's "learnable affine blocks", y = s·x + d with scalar s, d,
 * one Mul and one Add over a whole feature map each) into the neighbouring Conv, in place:
 * - Conv → Mul(c) / Add(c), per output channel or scalar: into the conv's weights and bias;
 * - Mul(s) [→ Add(d)] → Conv: s into the next conv's weights; d into its bias when the conv has no
 *   padding (exact), else kept as Add(x, d/s) before the conv (still one elementwise pass fewer).
 * Returns the number of Mul/Add nodes removed.
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

/** The constant operand of a binary node and the index of its other input. */
export function constantOperand(graph: GraphProto, n: NodeProto, producers: Map<string, NodeProto>): { c: FloatWeight; x: number } | undefined {
  if ((n.opType !== 'Mul' && n.opType !== 'Add') || n.input.length !== 2) return undefined;
  for (const x of [0, 1]) {
    const c = readWeight(graph, n.input[1 - x], producers);
    if (c && !readWeight(graph, n.input[x], producers)) return { c, x };
  }
  return undefined;
}

/** Per-output-channel values of a constant broadcast against an N×C×H×W conv output, or undefined. */
export function perChannel(c: FloatWeight, channels: number): Float32Array | undefined {
  if (c.data.length === 1) return new Float32Array(channels).fill(c.data[0]);
  const dims = [...c.dims];
  while (dims.length > 3 && dims[0] === 1) dims.shift();
  if (c.data.length === channels && dims.length === 3 && dims[0] === channels) return c.data;
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
    const c = perChannel(op.c, channels);
    if (!c) continue;
    const inner = w.data.length / channels;
    const newW = n.opType === 'Mul' ? Float32Array.from(w.data, (v, i) => v * c[Math.floor(i / inner)]) : w.data;
    const newB = Float32Array.from({ length: channels }, (_, o) => (n.opType === 'Mul' ? (b?.data[o] ?? 0) * c[o] : (b?.data[o] ?? 0) + c[o]));
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
    if (mul.opType !== 'Mul' || gone.has(mul)) continue;
    const m = constantOperand(graph, mul, producers);
    if (!m || m.c.data.length !== 1 || m.c.data[0] === 0) continue;
    const s = m.c.data[0];
    let add = only(mul.output[0]);
    const a = add && constantOperand(graph, add, producers);
    if (add?.opType !== 'Add' || !a || a.c.data.length !== 1) add = undefined;
    const conv = only((add ?? mul).output[0]);
    if (conv?.opType !== 'Conv' || conv.input[0] !== (add ?? mul).output[0] || gone.has(conv)) continue;
    const w = readWeight(graph, conv.input[1], producers);
    const b = conv.input[2] ? readWeight(graph, conv.input[2], producers) : undefined;
    if (!w || (conv.input[2] && !b)) continue;
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
