import { GraphProto, NodeProto } from './proto';
import { attr, attrInt, attrInts, attrString, NameGenerator, producerMap, readWeight, removeDeadNodes, soleReader } from './graph';
import { floatTensorProto } from './tensor-data';

/** Ops that act on each element alone (constant operands only as later inputs), so they commute with DepthToSpace. */
const UNARY = new Set(['Relu', 'Sigmoid', 'Clip', 'HardSigmoid', 'LeakyRelu', 'HardSwish']);

const isCrd = (n: NodeProto) => n.opType === 'DepthToSpace' && attrString(n, 'mode') === 'CRD';

/** A 1×1, stride-1, unpadded, ungrouped Conv with constant weights: it mixes channels pixel by pixel. */
function pointwise(graph: GraphProto, n: NodeProto, producers: Map<string, NodeProto>) {
  if (n.opType !== 'Conv' || attrInt(n, 'group', 1) !== 1) return undefined;
  const flat = (name: string, v: number) => (attrInts(n, name) ?? []).every((x) => x === v);
  if (!flat('strides', 1) || !flat('dilations', 1) || !flat('pads', 0) || (attrString(n, 'auto_pad') ?? 'NOTSET') !== 'NOTSET') return undefined;
  const w = readWeight(graph, n.input[1], producers);
  const b = n.input[2] ? readWeight(graph, n.input[2], producers) : undefined;
  if (!w || w.dims.length !== 4 || w.dims[2] !== 1 || w.dims[3] !== 1 || (n.input[2] && !b)) return undefined;
  return { w, b };
}

/**
 * Move each DepthToSpace (CRD) later in the graph, where it touches fewer bytes: past elementwise
 * activations, past a pointwise Conv (which becomes block-diagonal over the k² sub-pixel planes), and
 * into a following DepthToSpace (one shuffle with the product block size, the channels reordered at the
 * conv that made them). After convTransposeToConv this turns the DB head's two 2×2 upsamplers into two
 * pointwise convs at 1/4 resolution and one 4×4 shuffle of the 1-channel map. Returns the moves made.
 */
export function sinkDepthToSpace(graph: GraphProto): number {
  let moves = 0;
  for (let step = sinkOnce(graph); step > 0; step = sinkOnce(graph)) moves += step;
  removeDeadNodes(graph);
  return moves;
}

function sinkOnce(graph: GraphProto): number {
  const producers = producerMap(graph);
  const names = new NameGenerator(graph);
  const only = soleReader(graph);
  for (const d of graph.node) {
    if (!isCrd(d)) continue;
    const k = attrInt(d, 'blocksize', 0);
    const next = only(d.output[0]);
    if (!next || next.input[0] !== d.output[0]) continue;
    if (UNARY.has(next.opType)) {
      // act(shuffle(x)) = shuffle(act(x)).
      const mid = names.next(`${next.output[0]}.blocks`);
      const [x, y] = [d.input[0], next.output[0]];
      next.input = [x, ...next.input.slice(1)];
      next.output = [mid];
      d.input = [mid];
      d.output = [y];
      graph.node = reorder(graph.node, d, next);
      return 1;
    }
    const pw = pointwise(graph, next, producers);
    const kk = k * k;
    // The blocked conv does k² times the multiply-adds (zeros off the diagonal blocks): worth it only
    // for a conv that narrows to few channels, such as a head's last layer.
    if (pw && pw.w.dims[0] * kk <= pw.w.dims[1]) {
      // conv(shuffle(x)) = shuffle(conv'(x)), conv' applying W to each of the k² sub-pixel planes alone.
      const [c2, c] = pw.w.dims;
      const wb = new Float32Array(c2 * kk * c * kk);
      const bb = new Float32Array(c2 * kk);
      for (let o = 0; o < c2; o++) {
        for (let t = 0; t < kk; t++) {
          bb[o * kk + t] = pw.b?.data[o] ?? 0;
          for (let i = 0; i < c; i++) wb[(o * kk + t) * c * kk + i * kk + t] = pw.w.data[o * c + i];
        }
      }
      const base = next.name || next.output[0];
      const wName = names.next(`${base}.blocked_weight`);
      const bName = names.next(`${base}.blocked_bias`);
      graph.initializer.push(floatTensorProto(wName, [c2 * kk, c * kk, 1, 1], wb), floatTensorProto(bName, [c2 * kk], bb));
      const mid = names.next(`${next.output[0]}.blocks`);
      const y = next.output[0];
      next.input = [d.input[0], wName, bName];
      next.output = [mid];
      next.attribute = [attr.ints('kernel_shape', [1, 1])];
      d.input = [mid];
      d.output = [y];
      graph.node = reorder(graph.node, d, next);
      return 1;
    }
    if (isCrd(next) && mergeShuffles(graph, d, next, producers, only, names)) return 1;
  }
  return 0;
}

/**
 * shuffle_b(shuffle_a(x)) = shuffle_ab(x'), where x' holds x's channels (c, p, q, i, j) in the order
 * (c, i, p, j, q). Possible when x comes from a conv through elementwise ops only: its rows are permuted.
 */
function mergeShuffles(graph: GraphProto, first: NodeProto, second: NodeProto, producers: Map<string, NodeProto>, only: (t: string) => NodeProto | undefined, names: NameGenerator): boolean {
  let conv = producers.get(first.input[0]);
  while (conv && UNARY.has(conv.opType) && only(conv.output[0])) conv = producers.get(conv.input[0]);
  if (!conv || conv.opType !== 'Conv' || !only(conv.output[0])) return false;
  const w = readWeight(graph, conv.input[1], producers);
  const b = conv.input[2] ? readWeight(graph, conv.input[2], producers) : undefined;
  if (!w || (conv.input[2] && !b)) return false;
  const a = attrInt(first, 'blocksize', 0);
  const s = attrInt(second, 'blocksize', 0);
  const rows = w.dims[0];
  const c = rows / (a * a * s * s);
  if (!Number.isInteger(c)) return false;
  const inner = w.data.length / rows;
  const wp = new Float32Array(w.data.length);
  const bp = new Float32Array(rows);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < s; p++) for (let q = 0; q < s; q++) for (let i = 0; i < a; i++) for (let j = 0; j < a; j++) {
      const from = (((ch * s + p) * s + q) * a + i) * a + j;
      const to = ch * a * a * s * s + (i * s + p) * a * s + (j * s + q);
      wp.set(w.data.subarray(from * inner, (from + 1) * inner), to * inner);
      bp[to] = b?.data[from] ?? 0;
    }
  }
  const base = conv.name || conv.output[0];
  const wName = names.next(`${base}.shuffled_weight`);
  const bName = names.next(`${base}.shuffled_bias`);
  graph.initializer.push(floatTensorProto(wName, w.dims, wp), floatTensorProto(bName, [rows], bp));
  conv.input = [conv.input[0], wName, bName];
  first.output = [second.output[0]];
  first.attribute = [attr.int('blocksize', a * s), attr.string('mode', 'CRD')];
  graph.node = graph.node.filter((n) => n !== second);
  return true;
}

/** `late` now reads what `early` writes: put `late` right after `early`, keeping the order topological. */
function reorder(nodes: NodeProto[], late: NodeProto, early: NodeProto): NodeProto[] {
  const rest = nodes.filter((n) => n !== late);
  const at = rest.indexOf(early);
  return [...rest.slice(0, at + 1), late, ...rest.slice(at + 1)];
}
