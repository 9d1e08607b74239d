import { attrInt, consumerMap, isConstant, producerMap, readWeight, topologicalOrder } from '../onnx/graph';
import { Model, NodeProto } from '../onnx/proto';

/**
 * A set of channels that must be pruned with the same indices everywhere (a dependency group, as in
 * DepGraph / torch-pruning): the filters of every conv whose output meets the others in an elementwise
 * op (residual Add, SE gate Mul), and everything that carries those channels on (depthwise convs,
 * BatchNorm, per-channel constants).
 */
export interface ChannelGroup {
  channels: number;
  /** Regular convs whose output filters are these channels (weight and bias, axis 0). */
  sources: NodeProto[];
  /** Depthwise convs the channels pass through (weight and bias axis 0, `group` attribute). */
  depthwise: NodeProto[];
  /** Constants holding one value per channel (BatchNorm parameters, per-channel Add/Mul operands). */
  constants: { name: string; axis: number }[];
  /** Why the channels must stay (graph output, protected tensor, an op the walk does not follow); undefined if prunable. */
  fixed?: string;
}

/** Where a tensor's channels come from: one group, or several side by side after a Concat (offsets in the unpruned tensor). */
export type ChannelLayout = { group: ChannelGroup; offset: number }[];

/** A conv (weight axis 1) or ConvTranspose (weight axis 0) whose input channels follow a layout. */
export interface ChannelReader { node: NodeProto; axis: number; layout: ChannelLayout }

export interface ChannelGroups { groups: ChannelGroup[]; readers: ChannelReader[] }

/** Ops that act on each channel alone and take no per-channel parameters: a layout passes through them unchanged. */
const UNARY = new Set(['Relu', 'Clip', 'HardSigmoid', 'Sigmoid', 'HardSwish', 'LeakyRelu', 'Identity', 'Resize', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool']);
/** Elementwise ops whose operands (broadcast NCHW) share their channels. */
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div']);

/**
 * The channel groups of a model's 2-D convs. Each regular conv starts a group; elementwise ops merge
 * the groups of their operands; Concat lays groups side by side (each part prunable on its own, the
 * readers lose the matching input slices). A group is fixed when its channels reach a graph output, a
 * `protect`ed tensor, or any op not understood here (Reshape, MatMul, …), so nothing outside the
 * walk ever sees a changed channel count.
 */
export function channelGroups(model: Model, protect: string[] = []): ChannelGroups {
  const g = model.graph;
  const producers = producerMap(g);
  const consumers = consumerMap(g);
  const parent = new Map<ChannelGroup, ChannelGroup>();
  const layouts = new Map<string, ChannelLayout>();
  const readers: ChannelReader[] = [];
  const all: ChannelGroup[] = [];

  const root = (x: ChannelGroup): ChannelGroup => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const fresh = (channels: number): ChannelGroup => {
    const grp: ChannelGroup = { channels, sources: [], depthwise: [], constants: [] };
    parent.set(grp, grp);
    all.push(grp);
    return grp;
  };
  const fix = (layout: ChannelLayout | undefined, why: string) => {
    for (const p of layout ?? []) root(p.group).fixed ??= why;
  };
  const union = (a: ChannelGroup, b: ChannelGroup, at: string): ChannelGroup => {
    const [ra, rb] = [root(a), root(b)];
    if (ra === rb) return ra;
    parent.set(rb, ra);
    ra.sources.push(...rb.sources);
    ra.depthwise.push(...rb.depthwise);
    ra.constants.push(...rb.constants);
    // Broadcasting a 1-channel map over C channels is not a channel-for-channel match.
    if (ra.channels !== rb.channels) ra.fixed ??= `channel counts ${ra.channels} and ${rb.channels} meet at ${at}`;
    ra.fixed ??= rb.fixed;
    return ra;
  };
  /** A constant read by this node only (it will be sliced in place). */
  const ownConstant = (name: string) => isConstant(g, name, producers) && (consumers.get(name) ?? []).length === 1;
  const plain = (l: ChannelLayout | undefined) => (l && l.length === 1 && l[0].offset === 0 ? root(l[0].group) : undefined);

  for (const n of topologicalOrder(g)) {
    const ins = n.input.map((i) => (i ? layouts.get(i) : undefined));
    const fixInputs = (why: string) => ins.forEach((l) => fix(l, why));
    if (n.opType === 'Conv' || n.opType === 'ConvTranspose') {
      const w = readWeight(g, n.input[1], producers);
      if (!w || w.dims.length !== 4 || !ownConstant(n.input[1]) || (n.input[2] && !ownConstant(n.input[2])) || ins[1] || ins[2]) {
        fixInputs(`${n.opType} ${n.name} with a weight shared, computed or not 2-D`);
        continue;
      }
      const grp = attrInt(n, 'group', 1);
      if (grp === 1) {
        if (ins[0]) readers.push({ node: n, axis: n.opType === 'Conv' ? 1 : 0, layout: ins[0] });
        // A ConvTranspose's output is left whole (its filters sit on weight axis 1).
        if (n.opType === 'Conv') {
          const out = fresh(w.dims[0]);
          out.sources.push(n);
          layouts.set(n.output[0], [{ group: out, offset: 0 }]);
        }
        continue;
      }
      const x = plain(ins[0]);
      if (n.opType === 'Conv' && x && w.dims[1] === 1 && grp === w.dims[0] && grp === x.channels) {
        x.depthwise.push(n);
        layouts.set(n.output[0], [{ group: x, offset: 0 }]);
      } else fixInputs(`grouped ${n.opType} ${n.name}`);
      continue;
    }
    if (!ins.some((l) => l)) continue;
    if (UNARY.has(n.opType)) {
      // Extra inputs (Clip bounds, Resize scales) must be constants.
      const extrasConstant = n.input.slice(1).every((i) => !i || isConstant(g, i, producers));
      const scales = n.opType === 'Resize' && n.input[2] ? readWeight(g, n.input[2], producers) : undefined;
      // Resize `sizes` name the channel count; a second output (MaxPool indices) would carry the channels unseen.
      const resizesChannels = (scales && scales.data.length === 4 && scales.data[1] !== 1) || (n.opType === 'Resize' && !!n.input[3]);
      if (!extrasConstant || ins.slice(1).some((l) => l) || resizesChannels || n.output.slice(1).some((o) => o)) fixInputs(`${n.opType} ${n.name}`);
      else layouts.set(n.output[0], ins[0]!);
      continue;
    }
    if (n.opType === 'BatchNormalization') {
      const x = plain(ins[0]);
      if (!x || !n.input.slice(1, 5).every(ownConstant)) { fixInputs(`BatchNormalization ${n.name}`); continue; }
      for (const name of n.input.slice(1, 5)) x.constants.push({ name, axis: 0 });
      layouts.set(n.output[0], ins[0]!);
      continue;
    }
    if (BINARY.has(n.opType)) {
      const merged = elementwise(n, ins);
      if (merged) layouts.set(n.output[0], [{ group: merged, offset: 0 }]);
      else fixInputs(`${n.opType} ${n.name}`);
      continue;
    }
    if (n.opType === 'Concat' && [1, -3].includes(attrInt(n, 'axis', 0)) && ins.every((l) => l)) {
      const layout: ChannelLayout = [];
      let offset = 0;
      for (const l of ins) {
        for (const p of l!) layout.push({ group: p.group, offset: offset + p.offset });
        offset += l!.reduce((s, p) => s + root(p.group).channels, 0);
      }
      layouts.set(n.output[0], layout);
      continue;
    }
    fixInputs(`${n.opType} ${n.name}`);
  }
  for (const t of [...g.output.map((o) => o.name), ...protect]) fix(layouts.get(t), `reaches ${t}`);

  const groups = [...new Set(all.map(root))];
  const resolve = (l: ChannelLayout): ChannelLayout => l.map((p) => ({ group: root(p.group), offset: p.offset }));
  return { groups, readers: readers.map((r) => ({ ...r, layout: resolve(r.layout) })) };

  /** Merge the groups of an elementwise op's operands; undefined when an operand cannot follow. */
  function elementwise(n: NodeProto, ins: (ChannelLayout | undefined)[]): ChannelGroup | undefined {
    let merged: ChannelGroup | undefined;
    for (const l of ins) {
      if (!l) continue;
      const x = plain(l);
      if (!x) return undefined;
      merged = merged ? union(merged, x, n.name ?? n.output[0]) : x;
    }
    if (!merged) return undefined;
    for (let k = 0; k < n.input.length; k++) {
      const name = n.input[k];
      if (!name || ins[k]) continue;
      const c = readWeight(g, name, producers);
      if (!c) return undefined;
      // Broadcast against NCHW: the channel axis of an operand of rank r is r - 3.
      const axis = c.dims.length - 3;
      if (axis < 0 || c.dims[axis] === 1) continue;
      if (c.dims[axis] !== merged.channels || !ownConstant(name)) return undefined;
      merged.constants.push({ name, axis });
    }
    return merged;
  }
}
