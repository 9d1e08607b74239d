import { cloneModel } from '../onnx/clone';
import { producerMap, readWeight, replaceWeight, topologicalOrder } from '../onnx/graph';
import { encodeModel } from '../onnx/model-io';
import { Model } from '../onnx/proto';
import { withExtraOutputs } from '../quant/collect';
import { ModelSession } from '../runtime/session';
import { Tensor } from '../tensor';

/**
 * After structured pruning, give each conv that lost input channels the per-channel output mean the
 * unpruned model has there (for its kept channels), by shifting its bias; in graph order, each
 * measured after the corrections before it. With BatchNorm folded, a filter of small L1 norm can
 * still emit a large constant (its BN shift): pruning it drops that constant from every reader, and
 * the error compounds layer after layer (rec, 30%: l2 at the logits 9.5e6 with teacher logits ≤ 30).
 */
export async function compensateChannelMeans(pruned: Model, reference: Model, batches: Record<string, Tensor>[], threads = 1): Promise<{ model: Model; corrected: number }> {
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
  if (targets.length === 0 || batches.length === 0) return { model: out, corrected: 0 };
  const names = targets.map((n) => n.output[0]);

  // Sums over batches of each batch's per-channel means (the student's are summed the same way).
  const refMeans = new Map<string, Float64Array>();
  const ref = await ModelSession.create(encodeModel(withExtraOutputs(reference, names)), { threads }, 'mean compensation reference');
  try {
    for (const b of batches) {
      const r = await ref.run(b, names);
      for (const t of names) {
        const map = channelMap.get(t)!;
        const acc = refMeans.get(t) ?? new Float64Array(map.length);
        for (let c = 0; c < acc.length; c++) acc[c] += channelMean(r[t], map[c]);
        refMeans.set(t, acc);
      }
    }
  } finally {
    await ref.release();
  }

  // Biases become graph inputs, so one session serves every correction.
  const biases = new Map(targets.map((n) => [n.input[2], readWeight(g, n.input[2], sp)!]));
  const lifted = withExtraOutputs(out, names);
  lifted.graph.node = lifted.graph.node.filter((n) => !(n.opType === 'Constant' && biases.has(n.output[0])));
  lifted.graph.initializer = lifted.graph.initializer.filter((t) => !t.name || !biases.has(t.name));
  for (const [name, w] of biases) lifted.graph.input.push({ name, type: { tensorType: { elemType: 1, shape: { dim: w.dims.map((d) => ({ dimValue: d })) } } } });
  const session = await ModelSession.create(encodeModel(lifted), { threads }, 'mean compensation student');
  const feeds = () => Object.fromEntries([...biases].map(([name, w]) => [name, { dtype: 'float32', dims: w.dims, data: w.data } as Tensor]));
  try {
    for (const n of targets) {
      const t = n.output[0];
      const sums = new Float64Array(refMeans.get(t)!.length);
      for (const b of batches) {
        const r = await session.run({ ...b, ...feeds() }, [t]);
        for (let c = 0; c < sums.length; c++) sums[c] += channelMean(r[t], c);
      }
      const bias = biases.get(n.input[2])!;
      const target = refMeans.get(t)!;
      for (let c = 0; c < sums.length; c++) bias.data[c] += (target[c] - sums[c]) / batches.length;
    }
  } finally {
    await session.release();
  }
  for (const [name, w] of biases) replaceWeight(g, name, w, sp);
  return { model: out, corrected: targets.length };
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
