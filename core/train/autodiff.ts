import { SlimflowError } from '../errors';
import { cloneModel } from '../onnx/clone';
import { producerMap, readInts, readWeight, topologicalOrder } from '../onnx/graph';
import { GraphProto, Model, NodeProto, ValueInfoProto } from '../onnx/proto';
import { FloatWeight } from '../onnx/tensor-data';
import { Tensor } from '../tensor';
import { GraphBuilder } from './builder';
import { gradientRule, NON_DIFFERENTIABLE } from './grads';
import { GradContext } from './grads/rule';
import { probeShapes, ShapeTable } from './shapes';

/** What to differentiate: parameters, the loss (emitted as ordinary nodes), and one sample batch for shapes. */
export interface TrainingGraphSpec {
  model: Model;
  /** Tensors to differentiate: constants (they become graph inputs) or existing graph inputs. */
  params: string[];
  /** Extra graph inputs the loss reads (teacher outputs), with their static dims. */
  extraInputs?: { name: string; dims: number[] }[];
  /** Emit the loss from forward tensors; returns the scalar loss tensor's name. */
  loss(b: GraphBuilder, graph: GraphProto): string;
  /** Values of every non-parameter input (data batch, teacher outputs) at the training batch shape. */
  sampleFeeds: Record<string, Tensor>;
  /** Forward tensors to also return each step (student distillation outputs, for metrics). */
  keepOutputs?: string[];
}

/** One ONNX graph computing the loss and every parameter gradient in a single onnxruntime run. */
export interface TrainingGraph {
  model: Model;
  loss: string;
  /** Parameter name → graph output holding its gradient. */
  grads: Record<string, string>;
  /** Initial values of the parameters that were constants. */
  initial: Record<string, FloatWeight>;
  shapes: ShapeTable;
}

const floatInput = (name: string, dims: number[]): ValueInfoProto =>
  ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

/** Turn constant parameters into graph inputs so each step can feed fresh weights. */
function liftParams(graph: GraphProto, params: string[]): Record<string, FloatWeight> {
  const producers = producerMap(graph);
  const initial: Record<string, FloatWeight> = {};
  const inputs = new Set(graph.input.map((i) => i.name));
  for (const p of params) {
    if (inputs.has(p)) continue;
    const w = readWeight(graph, p, producers);
    if (!w) throw new SlimflowError('INVALID_MODEL', 'parameter is neither a constant nor a graph input', p);
    initial[p] = w;
    graph.initializer = graph.initializer.filter((t) => t.name !== p);
    graph.node = graph.node.filter((n) => !(n.opType === 'Constant' && n.output[0] === p));
    graph.input.push(floatInput(p, w.dims));
  }
  return initial;
}

/** Tensors that depend on a parameter through differentiable float paths. */
function requiringGrad(order: NodeProto[], params: string[], shapes: ShapeTable): Set<string> {
  const req = new Set(params);
  for (const n of order) {
    if (NON_DIFFERENTIABLE.has(n.opType) || !n.input.some((i) => req.has(i))) continue;
    const carries = gradientRule(n.opType)?.carriesIntegerGradient;
    for (const o of n.output) if (o && (carries || shapes.dtype.get(o) === 'float32')) req.add(o);
  }
  return req;
}

/** Build the training graph: forward, loss, and reverse-mode gradients, all as ONNX nodes. */
export async function buildTrainingGraph(spec: TrainingGraphSpec): Promise<TrainingGraph> {
  const model = cloneModel(spec.model);
  const g = model.graph;
  // ScatterElements with add-reduction (MaxPool's gradient) needs opset 16; 13→16 changed no semantics we use.
  for (const o of model.opsetImport) if (!o.domain || o.domain === 'ai.onnx') o.version = Math.max(Number(o.version), 16);
  const initial = liftParams(g, spec.params);
  for (const e of spec.extraInputs ?? []) g.input.push(floatInput(e.name, e.dims));

  const fb = new GraphBuilder(g, 'fwd');
  for (const n of g.node) gradientRule(n.opType)?.rewriteForward?.(n, fb);
  const lb = new GraphBuilder(g, 'loss');
  const loss = spec.loss(lb, g);
  g.node.push(...fb.nodes, ...lb.nodes);
  g.initializer.push(...fb.initializers, ...lb.initializers);
  g.output = [{ name: loss }, ...(spec.keepOutputs ?? []).map((name) => ({ name }))];

  const feeds: Record<string, Tensor> = { ...spec.sampleFeeds };
  for (const [name, w] of Object.entries(initial)) feeds[name] = { dtype: 'float32', dims: w.dims, data: w.data };
  const shapes = await probeShapes(model, feeds);
  const order = topologicalOrder(g);
  const req = requiringGrad(order, spec.params, shapes);

  // Nodes on a path from a parameter to the loss, found walking backwards from the loss.
  const live = new Set([loss]);
  const active: NodeProto[] = [];
  for (const n of [...order].reverse()) {
    if (!n.output.some((o) => live.has(o)) || !n.input.some((i) => req.has(i)) || NON_DIFFERENTIABLE.has(n.opType)) continue;
    active.push(n);
    for (const i of n.input) if (req.has(i)) live.add(i);
  }
  const missing = active.filter((n) => !gradientRule(n.opType));
  if (missing.length) {
    const list = missing.map((n) => `${n.opType} (node ${n.name || n.output[0]})`).join(', ');
    throw new SlimflowError('NOT_SUPPORTED', `no gradient for op ${list}; training cannot start`, missing[0].name || missing[0].output[0]);
  }

  const b = new GraphBuilder(g, 'grad');
  const producers = producerMap(g);
  const contributions = new Map<string, string[]>();
  const add = (t: string, gname: string) => { const l = contributions.get(t); if (l) l.push(gname); else contributions.set(t, [gname]); };
  const total = (t: string): string | undefined => {
    const l = contributions.get(t);
    if (!l || l.length === 0) return undefined;
    if (l.length > 1) contributions.set(t, [b.op1('Sum', l)]);
    return contributions.get(t)![0];
  };
  const lossDims = shapes.dims.get(loss) ?? [];
  add(loss, b.floats(lossDims, new Float32Array(lossDims.reduce((a, c) => a * c, 1)).fill(1), 'seed'));

  for (const n of active) {
    const dy = n.output.map((o) => (o ? total(o) : undefined));
    if (dy.every((d) => d === undefined)) continue;
    const ctx: GradContext = {
      b,
      node: n,
      shape: (name) => {
        const d = shapes.dims.get(name);
        if (!d) throw new SlimflowError('RUNTIME', 'no static shape recorded for tensor', name);
        return d;
      },
      ints: (name) => (name ? readInts(g, name, producers) : undefined),
      floats: (name) => (name ? readWeight(g, name, producers)?.data : undefined),
      needs: (i) => !!n.input[i] && req.has(n.input[i]),
    };
    let dx: (string | undefined)[];
    try {
      dx = gradientRule(n.opType)!.grad(ctx, dy);
    } catch (e) {
      if (e instanceof SlimflowError) throw e;
      throw new SlimflowError('NOT_SUPPORTED', `gradient of ${n.opType} failed: ${(e as Error).message}`, n.name || n.output[0]);
    }
    n.input.forEach((i, k) => { if (dx[k] && req.has(i)) add(i, dx[k]!); });
  }

  const grads: Record<string, string> = {};
  for (const p of spec.params) {
    const gname = total(p);
    const outName = `grad::${p}`;
    if (gname) b.nodes.push({ opType: 'Identity', input: [gname], output: [outName], name: `${outName}/out`, attribute: [] });
    else {
      // A parameter the loss does not reach gets an explicit zero gradient rather than a silent hole.
      const dims = shapes.dims.get(p)!;
      b.initializers.push({ name: outName, dims, dataType: 1, rawData: new Uint8Array(4 * dims.reduce((a, c) => a * c, 1)) });
    }
    grads[p] = outName;
    g.output.push({ name: outName });
  }
  g.node.push(...b.nodes);
  g.initializer.push(...b.initializers);
  return { model, loss, grads, initial, shapes };
}
