import { GraphProto } from './proto';
import { attrInt, attrInts, constantNodeValue, findConstant, producerMap, topologicalOrder } from './graph';
import { tensorDims, tensorToInts } from './tensor-data';

/** What is known statically about a tensor: its rank, and for 1-D shape tensors their length. */
export interface RankInfo { rank: Map<string, number>; length: Map<string, number> }

const SAME_RANK = new Set([
  'Relu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Sqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Erf', 'Cast',
  'BatchNormalization', 'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool',
  'Softmax', 'LogSoftmax', 'Dropout', 'Identity', 'Resize', 'Upsample', 'Pad', 'LeakyRelu', 'PRelu',
  'InstanceNormalization', 'LRN', 'Elu', 'Selu', 'Softplus', 'QuantizeLinear', 'DequantizeLinear',
  'LayerNormalization', 'Gelu', 'Not', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Sin', 'Cos', 'Softsign', 'Mish', 'CumSum', 'Trilu',
]);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'MatMul', 'Where', 'Max', 'Min', 'Sum', 'Equal', 'Less', 'Greater',
  'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);
/** Ops whose every output has the rank of the first input. */
const SAME_RANK_OUTPUTS = new Set(['Split', 'TopK']);

/**
 * Ranks by forward propagation over the ops common exports use; tensors it cannot reason about
 * are simply absent, and callers must then take the rank-agnostic path.
 */
export function inferRanks(graph: GraphProto, inputRanks: Record<string, number> = {}, outer?: RankInfo): RankInfo {
  // A subgraph reads its enclosing graph's tensors: what is known of them holds inside too.
  const rank = new Map<string, number>(outer?.rank);
  const length = new Map<string, number>(outer?.length);
  for (const i of graph.input) {
    const dims = i.type?.tensorType?.shape?.dim;
    const r = inputRanks[i.name] ?? dims?.length;
    if (r !== undefined) rank.set(i.name, r);
  }
  for (const t of graph.initializer) setConst(t.name ?? '', tensorDims(t));
  const producers = producerMap(graph);

  function setConst(name: string, dims: number[]) {
    rank.set(name, dims.length);
    if (dims.length === 1) length.set(name, dims[0]);
  }

  for (const n of topologicalOrder(graph)) {
    const r = n.input.map((i) => rank.get(i));
    const out = n.output[0];
    const op = n.opType;
    if (op === 'Constant') {
      const t = constantNodeValue(n);
      if (t) setConst(out, tensorDims(t));
    } else if (SAME_RANK.has(op)) {
      if (r[0] !== undefined) rank.set(out, r[0]);
      if (op === 'Cast' && length.has(n.input[0])) length.set(out, length.get(n.input[0])!);
    } else if (BROADCAST.has(op)) {
      if (r.every((x) => x !== undefined)) rank.set(out, Math.max(...(r as number[])));
    } else if (op === 'Shape') {
      rank.set(out, 1);
      if (r[0] !== undefined) length.set(out, r[0]);
    } else if (op === 'Transpose') {
      const perm = attrInts(n, 'perm');
      if (perm) rank.set(out, perm.length); else if (r[0] !== undefined) rank.set(out, r[0]);
    } else if (op === 'Reshape') {
      const len = length.get(n.input[1]);
      if (len !== undefined) rank.set(out, len);
    } else if (op === 'Flatten') {
      rank.set(out, 2);
    } else if (op === 'Gemm') {
      rank.set(out, 2);
    } else if (op === 'Concat') {
      if (r[0] !== undefined) rank.set(out, r[0]);
      if (r[0] === 1) {
        const lens = n.input.map((i) => length.get(i));
        if (lens.every((l) => l !== undefined)) length.set(out, (lens as number[]).reduce((a, b) => a + b, 0));
      }
    } else if (op === 'Slice') {
      if (r[0] !== undefined) rank.set(out, r[0]);
      const len = length.get(n.input[0]);
      // Only a 1-D slice of a known length changes what Reshape downstream will see.
      const starts = attrInts(n, 'starts') ?? constInts(n.input[1]);
      const ends = attrInts(n, 'ends') ?? constInts(n.input[2]);
      if (r[0] === 1 && len !== undefined && starts && ends) {
        const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + len : v, 0), len);
        length.set(out, Math.max(0, clamp(ends[0]) - clamp(starts[0])));
      }
    } else if (op === 'Squeeze' || op === 'Unsqueeze') {
      const axes = attrInts(n, 'axes') ?? (n.input[1] ? constInts(n.input[1]) : undefined);
      if (r[0] !== undefined && axes) {
        const outRank = r[0] + (op === 'Squeeze' ? -axes.length : axes.length);
        rank.set(out, outRank);
        // Shape arithmetic: Unsqueeze(scalar) → [1] (the pieces Concat joins into a Reshape target).
        if (outRank === 1 && r[0] === 0) length.set(out, 1);
        else if (outRank === 1 && length.has(n.input[0])) length.set(out, length.get(n.input[0])!);
      }
    } else if (op === 'Gather') {
      if (r[0] !== undefined && r[1] !== undefined) rank.set(out, r[0] + r[1] - 1);
      if (r[0] === 1 && r[1] === 1 && length.has(n.input[1])) length.set(out, length.get(n.input[1])!);
    } else if (op === 'Expand') {
      const len = length.get(n.input[1]);
      if (r[0] !== undefined && len !== undefined) rank.set(out, Math.max(r[0], len));
    } else if (op === 'ConstantOfShape') {
      const len = length.get(n.input[0]);
      if (len !== undefined) rank.set(out, len);
    } else if (op === 'Range' || op === 'NonZero') {
      rank.set(out, op === 'Range' ? 1 : 2);
    } else if (op === 'Size') {
      rank.set(out, 0);
    } else if (SAME_RANK_OUTPUTS.has(op)) {
      if (r[0] !== undefined) for (const o of n.output) if (o) rank.set(o, r[0]);
    } else if (op.startsWith('Reduce')) {
      const keep = attrInt(n, 'keepdims', 1);
      // From opset 18 (13 for ReduceSum) the axes are an input; none means all, unless noop_with_empty_axes.
      const axes = attrInts(n, 'axes') ?? (n.input[1] ? constInts(n.input[1]) : undefined);
      const noop = !axes && attrInt(n, 'noop_with_empty_axes', 0) === 1;
      if (r[0] !== undefined && (axes || !n.input[1])) rank.set(out, keep || noop ? r[0] : axes ? r[0] - axes.length : 0);
    }
  }
  return { rank, length };

  function constInts(name: string): number[] | undefined {
    const t = findConstant(graph, name, producers);
    return t ? tensorToInts(t) : undefined;
  }
}
