import { cloneModel } from '../onnx/clone';
import { attrInt, attrInts, producerMap, readWeight, replaceWeight, topologicalOrder } from '../onnx/graph';
import { encodeModel } from '../onnx/model-io';
import { Model, NodeProto } from '../onnx/proto';
import { FloatWeight } from '../onnx/tensor-data';
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
 * gets its per-channel output mean back through its bias. With BatchNorm folded, a filter of small L1
 * norm can still emit a large constant (its BN shift): pruning it drops that constant from every
 * reader and the error compounds (rec, 30%: l2 at the logits 9.5e6 with teacher logits ≤ 30).
 */
export async function repairPrunedConvs(pruned: Model, reference: Model, batches: Record<string, Tensor>[], threads = 1, leastSquares = true): Promise<{ model: Model; refit: number; shifted: number }> {
  const out = cloneModel(pruned);
  const g = out.graph;
  const sp = producerMap(g);
  const rp = producerMap(reference.graph);
  // Which reference channel each output channel of a conv is (pruned convs keep a subset of them).
  const channelMap = new Map<string, number[]>();
  const targets = topologicalOrder(g).filter((n) => {
    const ref = rp.get(n.output[0]);
    if (n.opType !== 'Conv' || !n.input[2] || ref?.opType !== 'Conv' || !ref.input[2]) return false;
    const ws = readWeight(g, n.input[1], sp)?.dims;
    const wr = readWeight(reference.graph, ref.input[1], rp)?.dims;
    const bs = readWeight(g, n.input[2], sp);
    const br = readWeight(reference.graph, ref.input[2], rp);
    if (!ws || !wr || !bs || !br || ws[1] === wr[1]) return false;
    const map = keptChannels(bs.data, br.data);
    if (map) channelMap.set(n.output[0], map);
    return !!map;
  });
  if (targets.length === 0 || batches.length === 0) return { model: out, refit: 0, shifted: 0 };

  // Weights and biases become graph inputs, so one session serves every repair.
  const params = new Map<string, FloatWeight>();
  for (const n of targets) for (const k of [1, 2]) params.set(n.input[k], readWeight(g, n.input[k], sp)!);
  const lifted = withExtraOutputs(out, targets.flatMap((n) => [n.input[0], n.output[0]]));
  lifted.graph.node = lifted.graph.node.filter((n) => !(n.opType === 'Constant' && params.has(n.output[0])));
  lifted.graph.initializer = lifted.graph.initializer.filter((t) => !t.name || !params.has(t.name));
  for (const [name, w] of params) lifted.graph.input.push({ name, type: { tensorType: { elemType: 1, shape: { dim: w.dims.map((d) => ({ dimValue: d })) } } } });
  const feeds = () => Object.fromEntries([...params].map(([name, w]) => [name, { dtype: 'float32', dims: w.dims, data: w.data } as Tensor]));

  const student = await ModelSession.create(encodeModel(lifted), { threads }, 'prune repair student');
  const teacher = await ModelSession.create(encodeModel(withExtraOutputs(reference, targets.map((n) => n.output[0]))), { threads }, 'prune repair reference');
  let refit = 0;
  let shifted = 0;
  try {
    for (const n of targets) {
      const t = n.output[0];
      const map = channelMap.get(t)!;
      const w = params.get(n.input[1])!;
      const bias = params.get(n.input[2])!;
      if (leastSquares && pointwise(n, w)) {
        const acc = new RidgeAccumulator(w.dims[1], w.dims[0]);
        for (const b of batches) {
          const x = (await student.run({ ...b, ...feeds() }, [n.input[0]]))[n.input[0]];
          const y = (await teacher.run(b, [t]))[t];
          const { at, count } = pixelSampler(x.dims);
          const xd = x.data as Float32Array;
          const yd = y.data as Float32Array;
          acc.add((i, p) => xd[at(i, x.dims[1], p)], (o, p) => yd[at(map[o], y.dims[1], p)], count);
        }
        const sol = acc.solve();
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
      const diff = new Float64Array(map.length);
      for (const b of batches) {
        const s = (await student.run({ ...b, ...feeds() }, [t]))[t];
        const r = (await teacher.run(b, [t]))[t];
        for (let c = 0; c < diff.length; c++) diff[c] += channelMean(r, map[c]) - channelMean(s, c);
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

/**
 * The pruner copies kept filters with their biases, in order: match the pruned bias to the
 * reference's in ascending order. Undefined when it is not such a subsequence.
 */
function keptChannels(pruned: Float32Array, reference: Float32Array): number[] | undefined {
  if (pruned.length === reference.length) return Array.from(pruned, (_, i) => i);
  const map: number[] = [];
  let i = 0;
  for (const v of pruned) {
    while (i < reference.length && reference[i] !== v) i++;
    if (i === reference.length) return undefined;
    map.push(i++);
  }
  return map;
}

/** Mean of channel `c` (axis 1) of an N×C×… tensor. */
function channelMean(t: Tensor, c: number): number {
  const d = t.data as Float32Array;
  const [n, ch] = t.dims;
  const inner = t.dims.slice(2).reduce((a, b) => a * b, 1);
  let s = 0;
  for (let b = 0; b < n; b++) for (let i = 0; i < inner; i++) s += d[(b * ch + c) * inner + i];
  return s / (n * inner);
}
