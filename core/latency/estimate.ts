import { SlimflowError } from '../errors';
import { decodeModel } from '../onnx/model-io';
import { DataType, GraphProto, Model } from '../onnx/proto';
import { findConstant, producerMap } from '../onnx/graph';
import { buildLoadWarning, compatibilityWarnings } from './table';
import { thisDevice } from './device';
import { encodeWithFixedInputs, InputShapes, resolveInputShapes } from './fixed-shape';
import { cachedGraph, storeGraph } from './graph-cache';
import { optimizedGraph } from './ort-graph';
import { CostMethod, LatencyPredictor } from './predictor';
import { inferShapes } from './shapes';
import { NodeConfig, nodeConfig } from './signature';
import { sparsityFactor, SparsityProbe, SPARSITY_NOISE, WEIGHTED_OP } from './sparsity-probe';
import { structureKey } from './structure-key';

/** Add to a bounded cache, dropping the oldest entry beyond 64. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.set(key, value);
  if (cache.size > 64) cache.delete(cache.keys().next().value!);
}

export interface NodeEstimate { name: string; op: string; us: number; method: CostMethod }

export interface LatencyEstimate {
  predictedMs: number;
  kernelMs: number;
  overheadMs: number;
  method: 'predicted';
  nodes: number;
  /** Per node of the optimized graph, in execution order. */
  breakdown: NodeEstimate[];
  /** Milliseconds per op family. */
  byOp: Record<string, number>;
  /** Op families no table entry or regressor covered: costed by the bytes-moved fallback. */
  guessedOps: string[];
  /** Node counts by how they were costed. */
  methods: Record<CostMethod, number>;
  /** Nodes whose shapes the shape pass had to guess. */
  shapeGuesses: string[];
  warnings: string[];
  /** Zero weights found, the factor applied to the weighted kernels for them (from the table's measured probe), and why. */
  sparsity: { zeroWeightShare: number; factor: number; note: string };
  table: { createdAt: string; threads: number; entries: number; onnxruntimeVersion: string; cpuModel: string };
  timing: { optimizeMs: number; walkMs: number; cachedGraph: boolean };
  shapes: InputShapes;
}

/** The cost-relevant configuration of every node of an optimized graph, in order (Constant nodes hold data, not work). */
export function graphNodeConfigs(graph: GraphProto, shapes: InputShapes): { nodes: { name: string; config: NodeConfig }[]; shapeGuesses: string[] } {
  const inferred = inferShapes(graph, shapes);
  const constants = new Set(graph.initializer.map((t) => t.name ?? ''));
  const nodes = graph.node.filter((n) => n.opType !== 'Constant').map((n) => ({ name: n.name || n.output[0], config: nodeConfig(graph, n, inferred, constants) }));
  return { nodes, shapeGuesses: inferred.guessed };
}

/** Cost every node of an already optimized graph (the pure part of the estimate; tests drive it directly). */
export function costOptimizedGraph(graph: GraphProto, shapes: InputShapes, predictor: LatencyPredictor) {
  const { nodes, shapeGuesses } = graphNodeConfigs(graph, shapes);
  const breakdown: NodeEstimate[] = nodes.map(({ name, config }) => ({ name, op: config.op, ...predictor.cost(config) }));
  const { perRunUs, perNodeUs } = predictor.table.overhead;
  // Entries are fastest runs; a latency is a median run (see LatencyTable.medianOverMin).
  for (const b of breakdown) b.us *= predictor.table.medianOverMin;
  const kernelUs = breakdown.reduce((s, b) => s + b.us, 0);
  const overheadUs = perRunUs + perNodeUs * breakdown.length;
  return { breakdown, kernelUs, overheadUs, shapeGuesses };
}

/** Why zero weights did or did not change the estimate, with the table's measured figures. */
function sparsityNote(probe: SparsityProbe | undefined, zero: number, factor: number): string {
  const share = `${(zero * 100).toFixed(1)}% of conv/matmul weights are zero`;
  if (!probe) return `${share}; this table did not measure sparsity (built before it was probed), so zero weights are costed as dense kernels`;
  if (probe.conclusive === false) return `${share}; this table's sparsity probe (${probe.source}: ${probe.weightedNodes ?? '?'} weighted kernels, ${probe.denseKernelMs.toFixed(2)} ms) was too small to conclude from: zero weights are costed as dense kernels, and unstructured sparsity predicts no speedup`;
  const measured = `the table measured ${probe.source}'s weighted kernels with ${(probe.ratio * 100).toFixed(0)}% zeros at ×${probe.kernelRatio.toFixed(3)} their dense time`;
  if (factor === 1) return zero > 0 && Math.abs(probe.kernelRatio - 1) <= SPARSITY_NOISE ? `${share}; ${measured} (within ±${SPARSITY_NOISE * 100}%: these kernels do not exploit sparsity), so unstructured sparsity predicts no speedup; channel pruning does, it makes the graph smaller` : `${share}; ${measured}`;
  return `${share}; ${measured}, so weighted kernels are costed ×${factor.toFixed(3)}`;
}

/** Share of exactly-zero weights in conv/matmul weights: unstructured sparsity, which dense kernels do not exploit. */
export function zeroWeightShare(model: Model): number {
  let zeros = 0;
  let total = 0;
  const producers = producerMap(model.graph);
  for (const n of model.graph.node) {
    if (!['Conv', 'MatMul', 'Gemm', 'ConvTranspose'].includes(n.opType) || !n.input[1]) continue;
    const t = findConstant(model.graph, n.input[1], producers);
    if (!t || t.dataType !== DataType.FLOAT) continue;
    const raw = t.rawData;
    if (raw && raw.length) {
      // As 32-bit words (±0.0 is all-zero bits but the sign): no float decoding, a word per element.
      const count = raw.length >> 2;
      const words = raw.byteOffset % 4 === 0 ? new Int32Array(raw.buffer, raw.byteOffset, count) : new Int32Array(Uint8Array.from(raw.subarray(0, count * 4)).buffer);
      for (let i = 0; i < count; i++) if ((words[i] & 0x7fffffff) === 0) zeros++;
      total += count;
    } else {
      for (const v of t.floatData ?? []) if (v === 0) zeros++;
      total += t.floatData?.length ?? 0;
    }
  }
  return total ? zeros / total : 0;
}

type Costed = ReturnType<typeof costOptimizedGraph>;

/** Costed graphs by predictor and structure key: a structure costed once is not walked again with the same table. */
const costedCache = new WeakMap<LatencyPredictor, Map<string, Costed>>();

/**
 * Predicted latency of a model on the table's device: onnxruntime optimizes the model for the input
 * shape (fusions, integer kernels, layouts as they will run), each node of that graph is costed from
 * the table or its op's regressor, plus the per-run and per-node overheads.
 */
export async function estimateLatency(model: Model | Uint8Array, predictor: LatencyPredictor, opts: { shapes?: InputShapes; threads?: number; cache?: boolean | 'graph-only' } = {}): Promise<LatencyEstimate> {
  const m = model instanceof Uint8Array ? decodeModel(model) : model;
  const threads = opts.threads ?? predictor.table.threads;
  const shapes = resolveInputShapes(m, opts.shapes);
  const t0 = performance.now();
  // Optimized graphs by structure: a structurally identical candidate reuses onnxruntime's answer.
  const key = opts.cache === false ? '' : structureKey(m, shapes, threads);
  const costedHere = costedCache.get(predictor) ?? new Map<string, Costed>();
  costedCache.set(predictor, costedHere);
  // 'graph-only': reuse a cached optimized graph but walk and cost it again (a first sight whose graph came for free).
  let costed = key && opts.cache !== 'graph-only' ? costedHere.get(key) : undefined;
  let graph = key ? cachedGraph(key) : undefined;
  const cached = !!graph;
  if (!graph) {
    graph = (await optimizedGraph(encodeWithFixedInputs(m, shapes), threads)).graph;
    if (key) storeGraph(key, graph);
  }
  const t1 = performance.now();
  if (!costed) {
    costed = costOptimizedGraph(graph, shapes, predictor);
    if (key) remember(costedHere, key, costed);
  }
  const { overheadUs, shapeGuesses } = costed;
  // Copies: the cached costs stay as they were whatever a caller does with its breakdown.
  const breakdown = costed.breakdown.map((b) => ({ ...b }));
  const zero = zeroWeightShare(m);
  const factor = sparsityFactor(predictor.table.sparsity, zero);
  if (factor !== 1) for (const b of breakdown) if (WEIGHTED_OP.test(b.op)) b.us *= factor;
  const kernelUs = factor === 1 ? costed.kernelUs : breakdown.reduce((s, b) => s + b.us, 0);
  const t2 = performance.now();
  if (!breakdown.length) throw new SlimflowError('INVALID_MODEL', 'the optimized graph has no nodes to cost');
  const byOp: Record<string, number> = {};
  const methods: Record<CostMethod, number> = { table: 0, regressor: 0, scaled: 0, fallback: 0 };
  for (const b of breakdown) {
    byOp[b.op] = (byOp[b.op] ?? 0) + b.us / 1000;
    methods[b.method]++;
  }
  const guessedOps = [...new Set(breakdown.filter((b) => b.method === 'fallback').map((b) => b.op))].sort();
  const warnings = compatibilityWarnings(predictor.table, thisDevice(), threads);
  const loaded = buildLoadWarning(predictor.table);
  if (loaded) warnings.push(loaded);
  if (guessedOps.length) warnings.push(`no table entry or regressor for ${guessedOps.join(', ')}: costed by the bytes-moved fallback (memory-bound guess)`);
  if (shapeGuesses.length) warnings.push(`shapes guessed (output = first input) for ${shapeGuesses.length} node(s): ${shapeGuesses.slice(0, 5).join(', ')}`);
  const t = predictor.table;
  return {
    predictedMs: (kernelUs + overheadUs) / 1000,
    kernelMs: kernelUs / 1000,
    overheadMs: overheadUs / 1000,
    method: 'predicted',
    nodes: breakdown.length,
    breakdown,
    byOp,
    guessedOps,
    methods,
    shapeGuesses,
    warnings,
    sparsity: { zeroWeightShare: zero, factor, note: sparsityNote(predictor.table.sparsity, zero, factor) },
    table: { createdAt: t.createdAt, threads: t.threads, entries: t.entries.length, onnxruntimeVersion: t.device.onnxruntimeVersion, cpuModel: t.device.cpuModel },
    timing: { optimizeMs: t1 - t0, walkMs: t2 - t1, cachedGraph: cached },
    shapes,
  };
}
