import { GraphProto, NodeProto } from './proto';
import { attr, attrFloat, attrInt, attrInts, attrString, getAttr, makeNode, NameGenerator, producerMap, readWeight, removeDeadNodes, soleReader } from './graph';
import { constantOperand, perChannel } from './fold-affine';
import { floatTensorProto } from './tensor-data';

/** Elementwise activations that commute with DepthToSpace, so they can run on the conv's output. */
const MOVABLE_ACTIVATIONS = new Set(['Relu', 'Sigmoid', 'Clip', 'HardSigmoid', 'LeakyRelu']);

/** A ConvTranspose whose kernel equals its stride (no overlap, no padding): each input pixel paints its own k×k block. */
function isBlockUpsample(ct: NodeProto, kernel: number[] | undefined): boolean {
  const strides = attrInts(ct, 'strides') ?? [1, 1];
  const zero = (name: string) => (attrInts(ct, name) ?? []).every((v) => v === 0);
  return kernel !== undefined && kernel.length === 2 && kernel[0] === kernel[1] && kernel[0] > 1
    && strides[0] === kernel[0] && strides[1] === kernel[1]
    && attrInt(ct, 'group', 1) === 1 && zero('pads') && zero('output_padding')
    && (attrInts(ct, 'dilations') ?? [1, 1]).every((d) => d === 1)
    && !getAttr(ct, 'output_shape') && (attrString(ct, 'auto_pad') ?? 'NOTSET') === 'NOTSET';
}

/**
 * Rewrite each ConvTranspose whose kernel equals its stride (the DB head's 2×2/2 upsamplers) as a 1×1
 * Conv to Cout·k² channels followed by DepthToSpace (CRD order): the same sums, but the Conv gets
 * onnxruntime's fast NCHWc and integer kernels (there is no integer ConvTranspose on CPU). A
 * per-channel Add/Mul or a BatchNormalization right after it is folded into the conv first, and a
 * following elementwise activation moves in front of the DepthToSpace, where it fuses with the conv.
 * Edits the graph in place; returns the number of ConvTransposes rewritten.
 */
export function convTransposeToConv(graph: GraphProto): number {
  const producers = producerMap(graph);
  const names = new NameGenerator(graph);
  const only = soleReader(graph);
  const replaced = new Map<NodeProto, NodeProto[]>();
  for (const ct of graph.node) {
    if (ct.opType !== 'ConvTranspose') continue;
    const w = readWeight(graph, ct.input[1], producers);
    const bias = ct.input[2] ? readWeight(graph, ct.input[2], producers) : undefined;
    if (!w || w.dims.length !== 4 || (ct.input[2] && !bias)) continue;
    const kernel = attrInts(ct, 'kernel_shape') ?? w.dims.slice(2);
    if (!isBlockUpsample(ct, kernel)) continue;
    const [cin, cout, k] = [w.dims[0], w.dims[1], w.dims[2]];
    // Per output channel: y = scale·ct(x) + shift, accumulated over the foldable nodes that follow.
    const scale = new Float32Array(cout).fill(1);
    const shift = Float32Array.from({ length: cout }, (_, c) => bias?.data[c] ?? 0);
    const gone: NodeProto[] = [];
    let tail = ct.output[0];
    for (let next = only(tail); next; next = only(tail)) {
      const op = constantOperand(graph, next, producers);
      if (op) {
        const c = next.input[op.x] === tail ? perChannel(op.c, cout) : undefined;
        if (!c) break;
        for (let o = 0; o < cout; o++) {
          if (op.op === 'Add') shift[o] += c[o];
          else { scale[o] *= c[o]; shift[o] *= c[o]; }
        }
      } else if (next.opType === 'BatchNormalization' && next.input[0] === tail && !next.output.slice(1).some(Boolean)) {
        const p = next.input.slice(1, 5).map((n) => readWeight(graph, n, producers));
        if (p.some((x) => !x || x.data.length !== cout)) break;
        const [gamma, beta, mean, variance] = p.map((x) => x!.data);
        const eps = attrFloat(next, 'epsilon', 1e-5);
        for (let o = 0; o < cout; o++) {
          const s = gamma[o] / Math.sqrt(variance[o] + eps);
          scale[o] *= s;
          shift[o] = (shift[o] - mean[o]) * s + beta[o];
        }
      } else break;
      gone.push(next);
      tail = next.output[0];
    }
    // Conv weight row (co·k + i)·k + j is the ConvTranspose tap W[ci, co, i, j]: DepthToSpace's CRD order.
    const blocks = k * k;
    const wc = new Float32Array(cout * blocks * cin);
    const bc = new Float32Array(cout * blocks);
    for (let co = 0; co < cout; co++) {
      for (let t = 0; t < blocks; t++) {
        const row = co * blocks + t;
        bc[row] = shift[co];
        for (let ci = 0; ci < cin; ci++) wc[row * cin + ci] = w.data[(ci * cout + co) * blocks + t] * scale[co];
      }
    }
    const base = ct.name || ct.output[0];
    const wName = names.next(`${base}.as_conv_weight`);
    const bName = names.next(`${base}.as_conv_bias`);
    graph.initializer.push(floatTensorProto(wName, [cout * blocks, cin, 1, 1], wc), floatTensorProto(bName, [cout * blocks], bc));
    const act = only(tail);
    const moveAct = act !== undefined && MOVABLE_ACTIVATIONS.has(act.opType) && act.input[0] === tail;
    const convOut = names.next(`${base}.as_conv`);
    const nodes = [makeNode('Conv', [ct.input[0], wName, bName], [convOut], names.next(`${base}.as_conv`), [attr.ints('kernel_shape', [1, 1])])];
    let spaceIn = convOut;
    if (moveAct) {
      spaceIn = names.next(`${act.output[0]}.blocks`);
      nodes.push({ ...act, input: [convOut, ...act.input.slice(1)], output: [spaceIn] });
      gone.push(act);
      tail = act.output[0];
    }
    nodes.push(makeNode('DepthToSpace', [spaceIn], [tail], names.next(`${base}.depth_to_space`), [attr.int('blocksize', k), attr.string('mode', 'CRD')]));
    replaced.set(ct, nodes);
    for (const g of gone) replaced.set(g, []);
  }
  graph.node = graph.node.flatMap((n) => replaced.get(n) ?? [n]);
  removeDeadNodes(graph);
  return [...replaced.values()].filter((v) => v.length > 0).length;
}
