import { SlimflowError } from '../errors';
import { AttributeProto, AttrType, GraphProto, NodeProto, TensorProto, toNum } from './proto';
import { FloatWeight, floatTensorProto, int64TensorProto, isFloatTensor, tensorDims, tensorToFloat32, tensorToInts } from './tensor-data';

/** Node that produces each tensor name. */
export function producerMap(graph: GraphProto): Map<string, NodeProto> {
  const m = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) if (o) m.set(o, n);
  return m;
}

/** Nodes that read each tensor name (a node reading a tensor twice appears once). */
export function consumerMap(graph: GraphProto): Map<string, NodeProto[]> {
  const m = new Map<string, NodeProto[]>();
  for (const n of graph.node) {
    for (const i of new Set(n.input)) {
      if (!i) continue;
      const list = m.get(i);
      if (list) list.push(n); else m.set(i, [n]);
    }
  }
  return m;
}

/** For rewrites that fuse a chain: the only node reading a tensor, unless the tensor is also a graph output. */
export function soleReader(graph: GraphProto, consumers = consumerMap(graph)): (tensor: string) => NodeProto | undefined {
  const outputs = new Set(graph.output.map((o) => o.name));
  return (t) => { const c = consumers.get(t) ?? []; return c.length === 1 && !outputs.has(t) ? c[0] : undefined; };
}

/** The constant TensorProto behind a tensor name: an initializer or the value of a Constant node. */
export function findConstant(graph: GraphProto, name: string, producers = producerMap(graph)): TensorProto | undefined {
  const init = graph.initializer.find((t) => t.name === name);
  if (init) return init;
  const p = producers.get(name);
  return p?.opType === 'Constant' ? constantNodeValue(p) : undefined;
}

/** A Constant node's value as a tensor, whichever attribute holds it (`value`, or from opset 12 `value_float(s)` / `value_int(s)`). */
export function constantNodeValue(n: NodeProto): TensorProto | undefined {
  const a = n.attribute.find((x) => x.name.startsWith('value'));
  if (!a) return undefined;
  const name = n.output[0];
  switch (a.name) {
    case 'value': return a.t;
    case 'value_float': return floatTensorProto(name, [], Float32Array.of(a.f ?? 0));
    case 'value_floats': return floatTensorProto(name, [a.floats?.length ?? 0], Float32Array.from(a.floats ?? []));
    case 'value_int': return int64TensorProto(name, [], [toNum(a.i)]);
    case 'value_ints': return int64TensorProto(name, [a.ints?.length ?? 0], (a.ints ?? []).map(toNum));
    default: return undefined; // sparse_value, value_string(s): never a weight
  }
}

/** True when a tensor name is a compile-time constant (initializer or Constant output). */
export const isConstant = (graph: GraphProto, name: string, producers = producerMap(graph)): boolean =>
  findConstant(graph, name, producers) !== undefined;

/**
 * A float weight by tensor name, from a Constant node or an initializer; undefined if it is not a
 * constant or not FLOAT/DOUBLE: int64/int32/bool constants are shape arithmetic (Reshape targets,
 * Gather indices, Where masks), never weights, and a float rewrite simply skips them. Use
 * isConstant to ask whether a name is constant at all.
 */
export function readWeight(graph: GraphProto, name: string, producers = producerMap(graph)): FloatWeight | undefined {
  const t = findConstant(graph, name, producers);
  return t && isFloatTensor(t) ? { data: tensorToFloat32(t), dims: tensorDims(t) } : undefined;
}

/** Integer values of a constant tensor (axes, shapes); undefined if the name is not constant. */
export function readInts(graph: GraphProto, name: string, producers = producerMap(graph)): number[] | undefined {
  const t = findConstant(graph, name, producers);
  return t ? tensorToInts(t) : undefined;
}

/** Overwrite a constant float tensor in place (Constant node or initializer), keeping its name. */
export function replaceWeight(graph: GraphProto, name: string, w: FloatWeight, producers = producerMap(graph)): void {
  const fresh = floatTensorProto(name, w.dims, w.data);
  const i = graph.initializer.findIndex((t) => t.name === name);
  if (i >= 0) { graph.initializer[i] = fresh; return; }
  const p = producers.get(name);
  if (p?.opType !== 'Constant' || !constantNodeValue(p)) throw new SlimflowError('INVALID_MODEL', 'not a constant tensor, cannot replace its value', name);
  p.attribute = [{ name: 'value', type: AttrType.TENSOR, t: fresh }];
}

/** Issues names not yet used by any tensor or node of the graph. */
export class NameGenerator {
  private readonly used = new Set<string>();
  constructor(graph: GraphProto) {
    // Subgraphs (If/Loop/Scan bodies) share the enclosing scope, so their names count too.
    const stack = [graph];
    while (stack.length) {
      const g = stack.pop()!;
      for (const n of g.node) {
        if (n.name) this.used.add(n.name);
        for (const t of [...n.input, ...n.output]) this.used.add(t);
        for (const a of n.attribute) {
          if (a.g) stack.push(a.g);
          for (const sub of (a.graphs as GraphProto[] | undefined) ?? []) stack.push(sub);
        }
      }
      for (const t of g.initializer ?? []) if (t.name) this.used.add(t.name);
      for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) this.used.add(v.name);
    }
  }

  /** `base` itself if free, else `base_1`, `base_2`, … */
  next(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }
}

/** Drop nodes whose outputs nobody reads (graph outputs count as read), repeatedly; also unused initializers. */
export function removeDeadNodes(graph: GraphProto): number {
  const live = new Set(graph.output.map((o) => o.name));
  const kept: NodeProto[] = [];
  // Walking backwards from a topological order sees every consumer before its producer.
  for (const n of [...topologicalOrder(graph)].reverse()) {
    if (n.output.some((o) => o && live.has(o))) {
      kept.push(n);
      for (const i of n.input) if (i) live.add(i);
      for (const a of n.attribute) if (a.g) for (const sub of subgraphInputs(a.g)) live.add(sub);
    }
  }
  const removed = graph.node.length - kept.length;
  const keptSet = new Set(kept);
  graph.node = graph.node.filter((n) => keptSet.has(n));
  graph.initializer = graph.initializer.filter((t) => live.has(t.name ?? ''));
  return removed;
}

/** Names a subgraph reads from its enclosing scope (so their producers stay alive). */
function subgraphInputs(g: GraphProto): string[] {
  const local = new Set<string>([...g.initializer.map((t) => t.name ?? ''), ...g.input.map((i) => i.name)]);
  for (const n of g.node) for (const o of n.output) local.add(o);
  return g.node.flatMap((n) => n.input.filter((i) => i && !local.has(i)));
}

/** Nodes in an order where every producer precedes its consumers (stable for already-sorted graphs). */
export function topologicalOrder(graph: GraphProto): NodeProto[] {
  const producers = producerMap(graph);
  const state = new Map<NodeProto, 1 | 2>();
  const order: NodeProto[] = [];
  // An If/Loop/Scan also reads, from its bodies, tensors of this graph that are not among its inputs.
  const reads = (n: NodeProto) => (n.attribute.some((a) => a.g) ? [...n.input, ...n.attribute.flatMap((a) => (a.g ? subgraphInputs(a.g) : []))] : n.input);
  for (const root of graph.node) {
    if (state.has(root)) continue;
    // Iterative DFS: PP-OCR graphs are deep enough to worry a recursive walk.
    const stack: [NodeProto, number, string[]][] = [[root, 0, reads(root)]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, idx, inputs] = top;
      if (idx < inputs.length) {
        top[1]++;
        const p = producers.get(inputs[idx]);
        if (!p || p === node) continue;
        const s = state.get(p);
        if (s === 1) throw new SlimflowError('INVALID_MODEL', 'graph has a cycle', node.name ?? node.opType);
        if (s === undefined) { state.set(p, 1); stack.push([p, 0, reads(p)]); }
      } else {
        state.set(node, 2);
        order.push(node);
        stack.pop();
      }
    }
  }
  return order;
}

/** Attribute by name. */
export const getAttr = (n: NodeProto, name: string): AttributeProto | undefined => n.attribute.find((a) => a.name === name);

/** Integer attribute value, or the default. */
export const attrInt = (n: NodeProto, name: string, dflt: number): number => {
  const a = getAttr(n, name);
  return a ? toNum(a.i) : dflt;
};

/** Float attribute value, or the default. */
export const attrFloat = (n: NodeProto, name: string, dflt: number): number => getAttr(n, name)?.f ?? dflt;

/** String attribute value, or undefined. */
export const attrString = (n: NodeProto, name: string): string | undefined => {
  const s = getAttr(n, name)?.s;
  return s ? new TextDecoder().decode(s) : undefined;
};

/** Integer-list attribute value, or undefined. */
export const attrInts = (n: NodeProto, name: string): number[] | undefined => getAttr(n, name)?.ints?.map(toNum);

/** Remove an attribute if present. */
export function dropAttr(n: NodeProto, name: string): void {
  n.attribute = n.attribute.filter((a) => a.name !== name);
}

/** Attribute builders, so rewrites do not hand-assemble protobuf shapes. */
export const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: AttrType.INT, i }),
  float: (name: string, f: number): AttributeProto => ({ name, type: AttrType.FLOAT, f }),
  ints: (name: string, ints: number[]): AttributeProto => ({ name, type: AttrType.INTS, ints }),
  string: (name: string, s: string): AttributeProto => ({ name, type: AttrType.STRING, s: new TextEncoder().encode(s) }),
};

/** A node with the given inputs, outputs and attributes in the default domain. */
export const makeNode = (opType: string, input: string[], output: string[], name: string, attribute: AttributeProto[] = [], domain?: string): NodeProto =>
  ({ opType, input, output, name, attribute, ...(domain ? { domain } : {}) });

/** Point every reader of tensor `from` at tensor `to` (graph outputs are left alone). */
export function renameInputs(graph: GraphProto, from: string, to: string, except?: NodeProto): void {
  for (const n of graph.node) {
    if (n === except) continue;
    n.input = n.input.map((i) => (i === from ? to : i));
    // If/Loop/Scan bodies read outer tensors by name (ONNX forbids them to shadow one).
    for (const a of n.attribute) if (a.g) renameInputs(a.g, from, to);
  }
}
