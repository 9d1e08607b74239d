import { SlimflowError } from '../errors';
import { opsetVersion } from './model-io';
import { AttrType, GraphProto, Model, NodeProto, toNum } from './proto';
import { cloneModel } from './clone';
import { attr, attrFloat, attrInt, attrInts, attrString, dropAttr, getAttr, makeNode, NameGenerator } from './graph';
import { inferRanks, RankInfo } from './rank-inference';
import { floatTensorProto, int64TensorProto } from './tensor-data';

/** What one op conversion may use: the graph (to add constants), fresh names, known ranks. */
interface UpgradeContext {
  graph: GraphProto;
  from: number;
  names: NameGenerator;
  ranks: RankInfo;
  /** Nodes to put in place of the one being converted (default: the node itself, edited in place). */
  replace?: NodeProto[];
}

type Converter = (n: NodeProto, ctx: UpgradeContext) => void;

/** Store an int64 list as a new initializer and return its name. */
function intsInput(ctx: UpgradeContext, base: string, values: number[]): string {
  const name = ctx.names.next(base);
  ctx.graph.initializer.push(int64TensorProto(name, [values.length], values));
  return name;
}

/** Store a float scalar as a new initializer and return its name. */
function floatScalar(ctx: UpgradeContext, base: string, value: number): string {
  const name = ctx.names.next(base);
  ctx.graph.initializer.push(floatTensorProto(name, [], Float32Array.of(value)));
  return name;
}

/** Move an integer-list attribute to the given input slot (the pattern of Slice/Squeeze/Split/…). */
function attrToInput(n: NodeProto, ctx: UpgradeContext, attrName: string, slot: number): void {
  const values = attrInts(n, attrName);
  if (values === undefined) return;
  dropAttr(n, attrName);
  while (n.input.length < slot) n.input.push('');
  n.input[slot] = intsInput(ctx, `${n.name || n.opType}.${attrName}`, values);
}

/**
 * Softmax before 13 flattens to 2-D at `axis`; from 13 it normalizes along `axis` only. The two
 * agree exactly when `axis` is the last dimension, else the old meaning is rebuilt with Flatten.
 */
const softmaxLike: Converter = (n, ctx) => {
  if (ctx.from >= 13) return;
  const axis = attrInt(n, 'axis', 1);
  const rank = ctx.ranks.rank.get(n.input[0]);
  if (axis === -1 || (rank !== undefined && (axis === rank - 1 || axis + rank === rank - 1))) {
    dropAttr(n, 'axis');
    n.attribute.push(attr.int('axis', -1));
    return;
  }
  const base = n.name || n.opType;
  const shape = ctx.names.next(`${base}.in_shape`);
  const flat = ctx.names.next(`${base}.flat`);
  const soft = ctx.names.next(`${base}.flat_out`);
  ctx.replace = [
    makeNode('Shape', [n.input[0]], [shape], ctx.names.next(`${base}.shape`)),
    makeNode('Flatten', [n.input[0]], [flat], ctx.names.next(`${base}.flatten`), [attr.int('axis', axis)]),
    makeNode(n.opType, [flat], [soft], n.name ?? ctx.names.next(base), [attr.int('axis', 1)]),
    makeNode('Reshape', [soft, shape], [n.output[0]], ctx.names.next(`${base}.unflatten`)),
  ];
};

const CONVERTERS: Record<string, Converter> = {
  Clip: (n, ctx) => {
    if (ctx.from >= 11) return;
    const min = getAttr(n, 'min') ? attrFloat(n, 'min', 0) : undefined;
    const max = getAttr(n, 'max') ? attrFloat(n, 'max', 0) : undefined;
    dropAttr(n, 'min');
    dropAttr(n, 'max');
    const base = n.name || 'Clip';
    n.input = [n.input[0], min === undefined ? '' : floatScalar(ctx, `${base}.min`, min)];
    if (max !== undefined) n.input.push(floatScalar(ctx, `${base}.max`, max));
  },
  Slice: (n, ctx) => {
    if (ctx.from >= 10) return;
    const axes = attrInts(n, 'axes');
    attrToInput(n, ctx, 'starts', 1);
    attrToInput(n, ctx, 'ends', 2);
    if (axes) attrToInput(n, ctx, 'axes', 3);
  },
  Squeeze: (n, ctx) => { if (ctx.from < 13) attrToInput(n, ctx, 'axes', 1); },
  Unsqueeze: (n, ctx) => { if (ctx.from < 13) attrToInput(n, ctx, 'axes', 1); },
  ReduceSum: (n, ctx) => { if (ctx.from < 13) attrToInput(n, ctx, 'axes', 1); },
  Split: (n, ctx) => { if (ctx.from < 13 && ctx.from >= 2) attrToInput(n, ctx, 'split', 1); },
  TopK: (n, ctx) => {
    if (ctx.from >= 10) return;
    const k = attrInt(n, 'k', 0);
    dropAttr(n, 'k');
    n.input = [n.input[0], intsInput(ctx, `${n.name || 'TopK'}.k`, [k])];
  },
  Pad: (n, ctx) => {
    if (ctx.from >= 11) return;
    const pads = attrInts(n, 'pads') ?? [];
    const value = attrFloat(n, 'value', 0);
    dropAttr(n, 'pads');
    dropAttr(n, 'value');
    const base = n.name || 'Pad';
    n.input = [n.input[0], intsInput(ctx, `${base}.pads`, pads), floatScalar(ctx, `${base}.value`, value)];
  },
  Softmax: softmaxLike,
  LogSoftmax: softmaxLike,
  Hardmax: softmaxLike,
  BatchNormalization: (n) => {
    // `spatial` (removed in 9) only ever meant per-channel statistics in inference graphs we accept.
    if (getAttr(n, 'spatial') && attrInt(n, 'spatial', 1) !== 1) {
      throw new SlimflowError('NOT_SUPPORTED', 'BatchNormalization with spatial=0 has no opset-13 equivalent', n.name);
    }
    for (const a of ['spatial', 'is_test', 'consumed_inputs']) dropAttr(n, a);
    n.output = n.output.slice(0, 1);
  },
  Dropout: (n) => {
    // Inference ignores the ratio; from 12 it is an input, and the mask output changed type at 10.
    for (const a of ['ratio', 'is_test']) dropAttr(n, a);
    n.output = n.output.slice(0, 1);
  },
  Upsample: (n, ctx) => {
    const mode = attrString(n, 'mode') ?? 'nearest';
    const scales = n.input[1] ?? floatListInput(ctx, n, attrFloats(n, 'scales'));
    n.opType = 'Resize';
    n.attribute = [
      attr.string('mode', mode === 'bilinear' ? 'linear' : mode),
      // Upsample's sampling grid is Resize's asymmetric grid with floor rounding.
      attr.string('coordinate_transformation_mode', 'asymmetric'),
      attr.string('nearest_mode', 'floor'),
    ];
    n.input = [n.input[0], '', scales];
  },
  // ScatterElements (11) is Scatter (9) renamed, with negative indices allowed besides.
  Scatter: (n) => { n.opType = 'ScatterElements'; },
  Resize: (n) => {
    if (ctx10(n)) {
      // Resize-10 had (X, scales) and the asymmetric/floor behaviour Upsample had.
      n.input = [n.input[0], '', n.input[1]];
      n.attribute = n.attribute.filter((a) => a.name === 'mode');
      n.attribute.push(attr.string('coordinate_transformation_mode', 'asymmetric'), attr.string('nearest_mode', 'floor'));
    }
  },
};

/** Resize-10 is recognizable by its two inputs (Resize-11 and later take roi before scales). */
const ctx10 = (n: NodeProto) => n.input.length === 2;

const attrFloats = (n: NodeProto, name: string) => getAttr(n, name)?.floats ?? [];

function floatListInput(ctx: UpgradeContext, n: NodeProto, values: number[]): string {
  const name = ctx.names.next(`${n.name || n.opType}.scales`);
  ctx.graph.initializer.push(floatTensorProto(name, [values.length], Float32Array.from(values)));
  return name;
}

/** Ops carrying subgraphs: from opset 11 their own signatures are those of 13, so only their bodies are converted. */
const CONTROL_FLOW = new Set(['Scan', 'If', 'Loop']);

/**
 * Upgrade a default-domain model to opset `target` (13: per-channel DequantizeLinear). Returns a
 * new model; the input is not modified. Only op signatures that differ are rewritten.
 */
export function upgradeOpset(model: Model, target = 13): Model {
  const from = opsetVersion(model);
  if (from > target) throw new SlimflowError('NOT_SUPPORTED', `model opset ${from} is above the target ${target}`);
  const out = cloneModel(model);
  if (from === target) return out;
  const names = new NameGenerator(out.graph);
  convertGraph(out.graph, from, names, inferRanks(out.graph));
  for (const o of out.opsetImport) if (!o.domain || o.domain === 'ai.onnx') o.version = target;
  // Opset 13 needs IR version 7 or later.
  if (toNum(out.irVersion) < 7) out.irVersion = 7;
  return out;
}

/** Convert one graph's nodes in place, subgraphs (If/Loop/Scan bodies) included; new constants go into the graph that reads them. */
function convertGraph(graph: GraphProto, from: number, names: NameGenerator, ranks: RankInfo): void {
  const ctx: UpgradeContext = { graph, from, names, ranks };
  const nodes: NodeProto[] = [];
  for (const n of graph.node) {
    if (n.domain && n.domain !== 'ai.onnx') { nodes.push(n); continue; }
    if (n.opType === 'Cast' && getAttr(n, 'to')?.type === AttrType.STRING) {
      throw new SlimflowError('NOT_SUPPORTED', `upgrading Cast with a string 'to' (opset ${from}) is not supported yet`, n.name);
    }
    if (CONTROL_FLOW.has(n.opType)) {
      if (from < 11) throw new SlimflowError('NOT_SUPPORTED', `upgrading ${n.opType} from opset ${from} is not supported yet`, n.name);
      // A body sees the enclosing graph's tensors, so its ranks start from the outer ones.
      for (const a of n.attribute) if (a.g) convertGraph(a.g, from, names, inferRanks(a.g, {}, ranks));
      nodes.push(n);
      continue;
    }
    if (n.opType === 'Resize' && from >= 11) { nodes.push(n); continue; }
    ctx.replace = undefined;
    CONVERTERS[n.opType]?.(n, ctx);
    nodes.push(...(ctx.replace ?? [n]));
  }
  graph.node = nodes;
}
