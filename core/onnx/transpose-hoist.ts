import { GraphProto, NodeProto } from './proto';
import { attrInt, attrInts, isConstant, NameGenerator, producerMap, readWeight, renameInputs, soleReader } from './graph';
import { knownFloat32 } from './element-types';
import { constantOperand, perChannel } from './fold-affine';
import { floatTensorProto } from './tensor-data';
import { DataType } from './proto';

// Exporters that keep a channels-last model (Keras 3's torch backend, tf2onnx) write each conv as
// Transpose → Conv → Transpose and its BatchNorm as Sub/Mul/Add on the channels-last side, often with
// Cast(to=FLOAT) of tensors that already are float in between. These rewrites bring such per-channel
// ops back next to the conv so that foldAffine can fold them, and drop the casts and the transpose
// pairs that cancel. All are exact.

/** Elementwise ops of one data input (other inputs constant) that commute with a Transpose. */
const UNARY = new Set(['Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'Clip', 'HardSigmoid', 'HardSwish', 'Erf', 'Neg', 'Abs', 'Elu', 'Softplus']);

/** Remove Cast(to=FLOAT) of tensors known to be float32 already; returns the count. */
export function removeNoopCasts(graph: GraphProto): number {
  const float = knownFloat32(graph);
  const outputs = new Set(graph.output.map((o) => o.name));
  const gone = new Set<NodeProto>();
  for (const n of graph.node) {
    if (n.opType !== 'Cast' || attrInt(n, 'to', 0) !== DataType.FLOAT || !float.has(n.input[0]) || outputs.has(n.output[0])) continue;
    renameInputs(graph, n.output[0], n.input[0]);
    gone.add(n);
  }
  graph.node = graph.node.filter((n) => !gone.has(n));
  return gone.size;
}

const inverse = (perm: number[]) => perm.reduce((inv, p, i) => { inv[p] = i; return inv; }, new Array<number>(perm.length));

/** The values of a dense tensor of `dims` transposed by `perm` (output axis i is input axis perm[i]). */
function transposeData(data: Float32Array, dims: number[], perm: number[]): Float32Array {
  const outDims = perm.map((p) => dims[p]);
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(data.length);
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i] * strides[perm[i]];
    out[o] = data[src];
    for (let i = outDims.length - 1; i >= 0; i--) { if (++idx[i] < outDims[i]) break; idx[i] = 0; }
  }
  return out;
}

/**
 * One pass of Conv → Transpose → op ⇒ Conv → op' → Transpose, for an op the conv can absorb: a
 * per-channel Add/Sub/Mul/Div (its constant transposed back to the conv's layout) or an elementwise
 * activation. Only where the Transpose is the conv's sole reader and the op the Transpose's. Returns the moves.
 */
export function hoistAboveTranspose(graph: GraphProto): number {
  const producers = producerMap(graph);
  const only = soleReader(graph);
  const names = new NameGenerator(graph);
  let moves = 0;
  for (const t of [...graph.node]) {
    const perm = t.opType === 'Transpose' ? attrInts(t, 'perm') : undefined;
    const conv = producers.get(t.input[0]);
    if (!perm || conv?.opType !== 'Conv' || only(conv.output[0]) !== t) continue;
    const e = only(t.output[0]);
    if (!e) continue;
    const w = readWeight(graph, conv.input[1], producers);
    if (!w || w.dims.length !== perm.length) continue;
    const at = e.input.indexOf(t.output[0]);
    if (UNARY.has(e.opType)) {
      if (at !== 0 || e.input.slice(1).some((i) => i && !isConstant(graph, i, producers))) continue;
    } else {
      const op = constantOperand(graph, e, producers);
      if (!op || op.x !== at) continue;
      const name = e.input[1 - at];
      const c = readWeight(graph, name, producers)!;
      if (c.dims.length > perm.length) continue;
      const padded = [...new Array<number>(perm.length - c.dims.length).fill(1), ...c.dims];
      // op(transpose(x), c) = transpose(op(x, c')) with c' the constant in x's layout.
      const inv = inverse(perm);
      const moved = { data: transposeData(c.data, padded, inv), dims: inv.map((i) => padded[i]) };
      if (!perChannel(moved, w.dims[0], perm.length)) continue;
      const fresh = names.next(`${name}.untransposed`);
      graph.initializer.push(floatTensorProto(fresh, moved.dims, moved.data));
      e.input[1 - at] = fresh;
    }
    const y = e.output[0];
    const mid = names.next(`${y}.before_transpose`);
    e.input[at] = t.input[0];
    e.output = [mid];
    t.input = [mid];
    t.output = [y];
    // Keep the node list topological: the op now runs before the transpose.
    graph.node = graph.node.filter((n) => n !== e);
    graph.node.splice(graph.node.indexOf(t), 0, e);
    moves++;
  }
  return moves;
}

/** Remove Transpose pairs that compose to the identity, and identity Transposes; returns the Transposes bypassed. */
export function cancelTransposePairs(graph: GraphProto): number {
  const producers = producerMap(graph);
  const outputs = new Set(graph.output.map((o) => o.name));
  let bypassed = 0;
  for (const t2 of graph.node) {
    const p2 = t2.opType === 'Transpose' ? attrInts(t2, 'perm') : undefined;
    if (!p2 || outputs.has(t2.output[0])) continue;
    if (p2.every((p, i) => p === i)) { renameInputs(graph, t2.output[0], t2.input[0]); bypassed++; continue; }
    const t1 = producers.get(t2.input[0]);
    const p1 = t1?.opType === 'Transpose' ? attrInts(t1, 'perm') : undefined;
    if (!p1 || p1.length !== p2.length || !p2.every((p, i) => p1[p] === i)) continue;
    renameInputs(graph, t2.output[0], t1!.input[0]);
    bypassed++;
  }
  return bypassed;
}
