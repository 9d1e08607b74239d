import { cloneModel } from '../onnx/clone';
import { SlimflowError } from '../errors';
import { attrInt, attrInts, NameGenerator, producerMap, readWeight, replaceWeight, topologicalOrder } from '../onnx/graph';
import { encodeModel } from '../onnx/model-io';
import { Model, NodeProto } from '../onnx/proto';
import { FloatWeight, floatTensorProto } from '../onnx/tensor-data';
import { withExtraOutputs } from '../quant/collect';
import { ModelSession } from '../runtime/session';
import { Tensor } from '../tensor';
import { RidgeAccumulator } from './least-squares';

/** Pixels per batch used for a least-squares fit (a few thousand samples for a few hundred features). */
const FIT_PIXELS = 2048;

/**
 * Repair a channel-pruned model against the unpruned one, conv by conv in graph order, each measured
 * after the repairs before it, on a few data batches. A pointwise conv that lost input channels gets
 * new weights and bias by least squares to the unpruned conv's output (for its kept channels: He et
 * al. 2017, "channel pruning ... by least squares reconstruction"); any other conv that lost inputs
 * gets its per-channel output mean back through its bias (one is added, zero, where it had none).
 * With BatchNorm folded, a filter of small L1 norm can still emit a large constant (its BN shift):
 * pruning it drops that constant from every reader and the error compounds (rec, 30%: l2 at the
 * logits 9.5e6 with teacher logits ≤ 30). `kept` is the pruner's report of which reference channels
 * each pruned conv output kept; an output missing from it kept all of them.
 */
export async function repairPrunedConvs(pruned: Model, kept: Record<string, number[]>, reference: Model, batches: Record<string, Tensor>[], threads = 1, leastSquares = true): Promise<{ model: Model; refit: number; shifted: number }> {
  const model = cloneModel(pruned);
  const g = model.graph;
  const sp = producerMap(g);
  const rp = producerMap(reference.graph);
  const names = new NameGenerator(g);
  const targets: RepairTarget[] = [];
  for (const n of topologicalOrder(g)) {
    const ref = rp.get(n.output[0]);
    if (n.opType !== 'Conv' || ref?.opType !== 'Conv') continue;
    const ws = readWeight(g, n.input[1], sp);
    const wr = readWeight(reference.graph, ref.input[1], rp)?.dims;
    if (!ws || !wr || ws.dims[1] === wr[1]) continue;
    const map = kept[n.output[0]] ?? Array.from({ length: ws.dims[0] }, (_, i) => i);
    if (map.length !== ws.dims[0]) throw new SlimflowError('INVALID_MODEL', `kept channels (${map.length}) do not match the pruned conv's ${ws.dims[0]} filters`, n.output[0]);
    if (!n.input[2]) {
      n.input[2] = names.next(`${n.output[0]}.repair_bias`);
      g.initializer.push(floatTensorProto(n.input[2], [ws.dims[0]], new Float32Array(ws.dims[0])));
    }
    const fit = leastSquares && pointwise(n, ws) ? { input: n.input[0], weight: n.input[1] } : undefined;
    targets.push({ output: n.output[0], bias: n.input[2], axis: 1, map, fit });
  }
  return repairLayers(model, reference, batches, targets, threads);
}

/** One layer to repair: its output (compared with the reference's), bias, channel axis and map, and what a least-squares fit needs. */
export interface RepairTarget {
  output: string;
  bias: string;
  /** Channel axis of `output`: 1 (NCHW) or -1 (the last, after a MatMul). */
  axis: 1 | -1;
  /** Reference channel of each output channel. */
  map: number[];
  /** A pointwise conv refitted by least squares from its input (else only the bias shifts). */
  fit?: { input: string; weight: string };
}

/** Repair `targets` in order against `reference`, each measured after the repairs before it; returns a new model. */
export async function repairLayers(model: Model, reference: Model, batches: Record<string, Tensor>[], targets: RepairTarget[], threads = 1): Promise<{ model: Model; refit: number; shifted: number }> {
  const out = cloneModel(model);
  const g = out.graph;
  const sp = producerMap(g);
  if (targets.length === 0 || batches.length === 0) return { model: out, refit: 0, shifted: 0 };
  // Weights and biases become graph inputs, so one session serves every repair.
  const params = new Map<string, FloatWeight>();
  for (const t of targets) for (const name of [t.bias, t.fit?.weight]) if (name) params.set(name, readWeight(g, name, sp)!);
  const lifted = withExtraOutputs(out, targets.flatMap((t) => (t.fit ? [t.fit.input, t.output] : [t.output])));
  lifted.graph.node = lifted.graph.node.filter((n) => !(n.opType === 'Constant' && params.has(n.output[0])));
  lifted.graph.initializer = lifted.graph.initializer.filter((t) => !t.name || !params.has(t.name));
  for (const [name, w] of params) lifted.graph.input.push({ name, type: { tensorType: { elemType: 1, shape: { dim: w.dims.map((d) => ({ dimValue: d })) } } } });
  const feeds = () => Object.fromEntries([...params].map(([name, w]) => [name, { dtype: 'float32', dims: w.dims, data: w.data } as Tensor]));

  const student = await ModelSession.create(encodeModel(lifted), { threads }, 'repair student');
  const teacher = await ModelSession.create(encodeModel(withExtraOutputs(reference, targets.map((t) => t.output))), { threads }, 'repair reference');
  let refit = 0;
  let shifted = 0;
  try {
    for (const t of targets) {
      const bias = params.get(t.bias)!;
      if (t.fit) {
        const w = params.get(t.fit.weight)!;
        const input = t.fit.input;
        const acc = new RidgeAccumulator(w.dims[1], w.dims[0]);
        let samples = 0;
        for (const b of batches) {
          const x = (await student.run({ ...b, ...feeds() }, [input]))[input];
          const y = (await teacher.run(b, [t.output]))[t.output];
          const { at, count } = pixelSampler(x.dims);
          const xd = x.data as Float32Array;
          const yd = y.data as Float32Array;
          acc.add((i, p) => xd[at(i, x.dims[1], p)], (o, p) => yd[at(t.map[o], y.dims[1], p)], count);
          samples += count;
        }
        // Too few samples for the features (an SE gate's conv sees one pixel per image): the ridge
        // solution would fit noise, so only the mean is restored.
        const sol = samples >= 2 * (w.dims[1] + 1) ? acc.solve() : undefined;
        if (sol) {
          const d = w.dims[1] + 1;
          for (let o = 0; o < w.dims[0]; o++) {
            for (let i = 0; i < w.dims[1]; i++) w.data[o * w.dims[1] + i] = sol[o * d + i];
            bias.data[o] = sol[o * d + d - 1];
          }
          refit++;
          continue;
        }
      }
      // Mean shift: sums over batches of per-batch channel means, student and teacher alike.
      const diff = new Float64Array(t.map.length);
      for (const b of batches) {
        const s = channelMeans((await student.run({ ...b, ...feeds() }, [t.output]))[t.output], t.axis);
        const r = channelMeans((await teacher.run(b, [t.output]))[t.output], t.axis);
        for (let c = 0; c < diff.length; c++) diff[c] += r[t.map[c]] - s[c];
      }
      for (let c = 0; c < diff.length; c++) bias.data[c] += diff[c] / batches.length;
      shifted++;
    }
  } finally {
    await student.release();
    await teacher.release();
  }
  for (const [name, w] of params) replaceWeight(g, name, w, sp);
  return { model: out, refit, shifted };
}

/** A plain 1×1 conv: each output pixel is a linear map of the same input pixel. */
function pointwise(n: NodeProto, w: FloatWeight): boolean {
  const ones = (name: string) => (attrInts(n, name) ?? []).every((v) => v === 1);
  const zeros = (attrInts(n, 'pads') ?? []).every((v) => v === 0);
  return w.dims.length === 4 && w.dims[2] === 1 && w.dims[3] === 1 && attrInt(n, 'group', 1) === 1 && ones('strides') && ones('dilations') && zeros;
}

/** Evenly spaced pixels (batch × spatial) of an N×C×… tensor, at most FIT_PIXELS; `at` gives a flat index. */
function pixelSampler(dims: number[]) {
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  const total = dims[0] * inner;
  const step = Math.max(1, Math.ceil(total / FIT_PIXELS));
  const count = Math.ceil(total / step);
  const at = (channel: number, channels: number, p: number) => {
    const q = p * step;
    const b = Math.floor(q / inner);
    return (b * channels + channel) * inner + (q % inner);
  };
  return { at, count };
}

/** Per-channel means of a tensor along axis 1 (N×C×…) or the last axis (…×C). */
function channelMeans(t: Tensor, axis: 1 | -1): Float64Array {
  const d = t.data as Float32Array;
  const dims = t.dims;
  const c = axis === 1 ? dims[1] : dims[dims.length - 1];
  const inner = axis === 1 ? dims.slice(2).reduce((a, b) => a * b, 1) : 1;
  const sums = new Float64Array(c);
  for (let i = 0; i < d.length; i++) sums[Math.floor(i / inner) % c] += d[i];
  return sums.map((v) => (v * c) / d.length);
}
