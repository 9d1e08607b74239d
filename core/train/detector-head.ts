import { consumerMap, producerMap, readWeight } from '../onnx/graph';
import { Model, NodeProto, toNum } from '../onnx/proto';

/** Ops that only rearrange a tensor on its way to a graph output. */
const LAYOUT = new Set(['Transpose', 'Reshape', 'Identity', 'Squeeze', 'Unsqueeze', 'Flatten']);
/** Ops whose later inputs are shapes, indices or scales: only their data input (0) leads back to the head. */
const DATA_FIRST = new Set(['Reshape', 'Expand', 'Slice', 'Tile', 'Resize', 'Upsample', 'Unsqueeze', 'Squeeze', 'Split', 'Pad', 'Gather', 'GatherElements']);
/** Ops that compute shapes or index ranges: nothing behind them is a head map. */
const SHAPE_SOURCES = new Set(['Shape', 'Size', 'Range', 'ConstantOfShape', 'Constant', 'NonZero']);
const LAYERS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);
/** Bound on the nodes walked back from an output (a decode is tens of nodes, never the backbone). */
const MAX_WALK = 400;

/** The tensor behind `t` through layout-only ops, then Softmax: a DFL's expectation conv reads that (fixed weights, part of decoding). */
function readsSoftmax(t: string, producers: Map<string, NodeProto>): boolean {
  let p = producers.get(t);
  while (p && LAYOUT.has(p.opType)) p = producers.get(p.input[0]);
  return p?.opType === 'Softmax';
}

/**
 * A YOLO-family detector's head maps before decoding: walking back from a graph output assembled by a
 * Concat (the [N, 4+C, A] or [N, A, 5+C] tensor), the first layer with weights on every data path — the
 * per-level box and class convs (v8) or detect convs (v5). The DFL's expectation conv (reading a Softmax)
 * and the anchor, grid and stride arithmetic are decoding and are walked through. Distilling there
 * trains box logits and class logits at their own scales, where the decoded tensor mixes pixel
 * coordinates with probabilities and lets the coordinates dominate the loss. Undefined when no
 * output has that shape of head (at least two maps).
 */
export function yoloHeadMaps(model: Model): string[] | undefined {
  const g = model.graph;
  const producers = producerMap(g);
  const readers = consumerMap(g);
  const konst = (t: string) => !!readWeight(g, t, producers) || producers.get(t)?.opType === 'Constant';
  for (const out of g.output) {
    let p = producers.get(out.name);
    while (p && LAYOUT.has(p.opType)) p = producers.get(p.input[0]);
    if (p?.opType !== 'Concat') continue;
    const maps: string[] = [];
    const seen = new Set<string>();
    const stack = [out.name];
    let walked = 0;
    while (stack.length && walked < MAX_WALK) {
      const t = stack.pop()!;
      if (seen.has(t) || !t || konst(t)) continue;
      seen.add(t);
      const n = producers.get(t);
      if (!n || SHAPE_SOURCES.has(n.opType)) continue;
      walked++;
      if (LAYERS.has(n.opType) && !(n.opType === 'Conv' && readsSoftmax(n.input[0], producers))) {
        // A conv followed by its own bias Add is read after the bias (MatMul + Add exports).
        const next = readers.get(t) ?? [];
        const biased = next.length === 1 && next[0].opType === 'Add' && next[0].input.some((i) => i !== t && konst(i));
        maps.push(biased ? next[0].output[0] : t);
        continue;
      }
      const ins = DATA_FIRST.has(n.opType) ? [n.input[0]] : n.input;
      for (const i of ins) if (i) stack.push(i);
    }
    if (walked < MAX_WALK && maps.length >= 2) return orderAsGraph(model, maps);
  }
  return undefined;
}

/** The class count of a YOLO output [N, 4+C, A] (v8: no objectness), or undefined. */
function v8Classes(model: Model): number | undefined {
  for (const o of model.graph.output) {
    // A named (dynamic) dim reads as dimValue 0 from protobuf: undefined here.
    const d = o.type?.tensorType?.shape?.dim?.map((x) => (x.dimParam || x.dimValue === undefined ? undefined : toNum(x.dimValue))) ?? [];
    if (d.length === 3 && d[1] !== undefined && d[1] > 4 && (d[2] === undefined || d[2] > d[1])) return d[1] - 4;
  }
  return undefined;
}

/**
 * Distillation pairs on a YOLO head's maps: class maps (C channels of a v8 head [N, 4+C, A]) compared
 * as sigmoid probabilities, the box (DFL) and v5 detect maps by l2 of their values. Undefined when
 * the model has no YOLO head.
 */
export function yoloHeadPairs(model: Model): { student: string; teacher: string; loss: string; alpha: number }[] | undefined {
  const maps = yoloHeadMaps(model);
  if (!maps) return undefined;
  const g = model.graph;
  const producers = producerMap(g);
  const channels = (t: string): number | undefined => {
    let n = producers.get(t);
    if (n?.opType === 'Add') n = n.input.map((i) => producers.get(i)).find((p) => p && LAYERS.has(p.opType));
    const w = n && n.opType === 'Conv' ? readWeight(g, n.input[1], producers) : undefined;
    return w?.dims[0];
  };
  const classes = v8Classes(model);
  return maps.map((t) => ({ student: t, teacher: t, loss: classes !== undefined && channels(t) === classes ? 'sigmoid_l2' : 'l2', alpha: 1 }));
}

/** The maps in graph order (stable pairs and checkpoint keys). */
function orderAsGraph(model: Model, maps: string[]): string[] {
  const set = new Set(maps);
  const out: string[] = [];
  for (const n of model.graph.node) for (const o of n.output) if (set.has(o) && !out.includes(o)) out.push(o);
  return out;
}
