import { GraphProto } from './proto';
import { attrFloat, attrInt, consumerMap, NameGenerator, producerMap, readWeight, removeDeadNodes } from './graph';
import { floatTensorProto } from './tensor-data';

/**
 * Fold each BatchNormalization into the Conv (or group-1 ConvTranspose) before it, when that
 * conv's output feeds only the BN: W' = W·s, b' = (b − mean)·s + beta with s = gamma/√(var+eps).
 * Edits the graph in place; returns the number of BNs folded.
 */
export function foldBatchNorm(graph: GraphProto): number {
  const producers = producerMap(graph);
  const consumers = consumerMap(graph);
  const names = new NameGenerator(graph);
  const outputs = new Set(graph.output.map((o) => o.name));
  const folded = new Set<object>();
  for (const bn of graph.node) {
    if (bn.opType !== 'BatchNormalization' || bn.output.length > 1 && bn.output.slice(1).some(Boolean)) continue;
    // training_mode (opset 14+) normalizes with the batch's own statistics: nothing constant to fold.
    if (attrInt(bn, 'training_mode', 0) !== 0) continue;
    const conv = producers.get(bn.input[0]);
    if (!conv || (conv.opType !== 'Conv' && conv.opType !== 'ConvTranspose')) continue;
    if ((consumers.get(conv.output[0]) ?? []).length !== 1 || outputs.has(conv.output[0])) continue;
    if (conv.opType === 'ConvTranspose' && attrInt(conv, 'group', 1) !== 1) continue;
    const w = readWeight(graph, conv.input[1], producers);
    const params = bn.input.slice(1, 5).map((name) => readWeight(graph, name, producers));
    const bias = conv.input[2] ? readWeight(graph, conv.input[2], producers) : undefined;
    if (!w || params.some((p) => !p) || (conv.input[2] && !bias)) continue;
    const [gamma, beta, mean, variance] = params.map((p) => p!.data);
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const channels = gamma.length;
    if ([beta, mean, variance].some((p) => p.length !== channels) || (bias && bias.data.length !== channels)) continue;
    const scale = new Float64Array(channels);
    for (let c = 0; c < channels; c++) scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);

    // Output channels are axis 0 of a Conv weight and axis 1 of a ConvTranspose weight.
    const newW = new Float32Array(w.data.length);
    const outAxis = conv.opType === 'Conv' ? 0 : 1;
    const inner = w.dims.slice(outAxis + 1).reduce((a, b) => a * b, 1);
    if (w.dims[outAxis] !== channels) continue;
    for (let i = 0; i < w.data.length; i++) newW[i] = w.data[i] * scale[Math.floor(i / inner) % channels];
    const newB = new Float32Array(channels);
    for (let c = 0; c < channels; c++) newB[c] = ((bias?.data[c] ?? 0) - mean[c]) * scale[c] + beta[c];

    // Fresh initializers rather than in-place edits: a Constant may be shared with other nodes.
    const wName = names.next(`${conv.input[1]}_bnfold`);
    const bName = names.next(`${conv.name || conv.output[0]}_bias_bnfold`);
    graph.initializer.push(floatTensorProto(wName, w.dims, newW), floatTensorProto(bName, [channels], newB));
    conv.input = [conv.input[0], wName, bName];
    conv.output = [bn.output[0]];
    folded.add(bn);
  }
  graph.node = graph.node.filter((n) => !folded.has(n));
  removeDeadNodes(graph);
  return folded.size;
}
