import { cloneModel } from '../onnx/clone';
import { producerMap, readWeight, replaceWeight } from '../onnx/graph';
import { Model } from '../onnx/proto';
import type { ElementType } from '../feed';
import { magnitudeMask } from '../sparsity/unstructured';
import { masked } from '../sparsity/masks';
import { encodeWithFixedInputs, InputShapes, patternFeed } from './fixed-shape';
import { slottedNodes } from './node-slots';
import { profileNodes } from './ort-graph';

/**
 * What the table measured of unstructured sparsity: one source's weighted kernels (conv, matmul,
 * gemm) with dense weights and with `ratio` of each weight zeroed by magnitude. A backend whose
 * kernels skip zeros shows a kernel ratio below 1; onnxruntime's dense CPU kernels show about 1.
 */
export interface SparsityProbe {
  source: string; ratio: number; denseKernelMs: number; sparseKernelMs: number;
  /** Median over the weighted nodes of sparse ÷ dense kernel time. */
  kernelRatio: number;
  /** Weighted nodes compared. */
  weightedNodes?: number;
  /** Enough work to conclude from: at least MIN_NODES weighted nodes and MIN_KERNEL_MS of them. A smaller probe is reported, not used. */
  conclusive?: boolean;
}

/** A probe below this decides nothing: a few microsecond-long kernels differ by more than 5 % from run to run. */
const MIN_NODES = 8;
const MIN_KERNEL_MS = 1;

/** Optimized-graph ops that carry weights (the kernels sparsity could speed up). */
export const WEIGHTED_OP = /Conv|MatMul|Gemm/;

/** Measured kernel ratios within this of 1 are run-to-run noise, not a speedup (or slowdown). */
export const SPARSITY_NOISE = 0.05;

/** A copy of `model` with `ratio` of every conv/matmul/gemm float weight set to zero (smallest magnitudes first). */
export function unstructuredCopy(model: Model, ratio: number): Model {
  const out = cloneModel(model);
  const producers = producerMap(out.graph);
  for (const n of out.graph.node) {
    if (!['Conv', 'ConvTranspose', 'MatMul', 'Gemm'].includes(n.opType) || !n.input[1]) continue;
    const w = readWeight(out.graph, n.input[1], producers);
    if (!w) continue;
    replaceWeight(out.graph, n.input[1], { data: masked(w.data, magnitudeMask(w.data, ratio)), dims: w.dims }, producers);
  }
  return out;
}

/**
 * Profile a model dense and `ratio`-sparse, alternating `rounds` times, and compare their weighted
 * kernels: each node's fastest run, sparse over dense, and the median of those ratios over the nodes
 * (a burst of load that slows some kernels of one round moves the median little; a sum of a few
 * milliseconds of kernels moved 18% in one table build). The sums are kept as reported figures.
 */
export async function measureSparsity(label: string, model: Model, shapes: InputShapes, opts: { threads?: number; ratio?: number; rounds?: number; dtypes?: Record<string, ElementType> } = {}): Promise<SparsityProbe> {
  const { threads = 1, ratio = 0.75, rounds = 5 } = opts;
  const feeds = patternFeed(shapes, opts.dtypes);
  const variants = [encodeWithFixedInputs(model, shapes), encodeWithFixedInputs(unstructuredCopy(model, ratio), shapes)];
  const fastest = variants.map(() => new Map<string, number>());
  for (let r = 0; r < rounds; r++) {
    for (const [k, bytes] of variants.entries()) {
      // By slot, not by name: sessions name inserted nodes afresh (see slottedNodes).
      for (const { slot, profiled } of slottedNodes(await profileNodes(bytes, feeds, { threads, runs: 3 }), shapes)) {
        if (!WEIGHTED_OP.test(profiled.opName)) continue;
        fastest[k].set(slot, Math.min(fastest[k].get(slot) ?? Infinity, profiled.minUs));
      }
    }
  }
  const [dense, sparse] = fastest;
  const ratios = [...dense].filter(([slot, us]) => us > 0 && sparse.has(slot)).map(([slot, us]) => sparse.get(slot)! / us).sort((a, b) => a - b);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0) / 1000;
  const denseKernelMs = sum(dense);
  return {
    source: label, ratio, denseKernelMs, sparseKernelMs: sum(sparse), kernelRatio: ratios.length ? ratios[ratios.length >> 1] : 1,
    weightedNodes: ratios.length, conclusive: ratios.length >= MIN_NODES && denseKernelMs >= MIN_KERNEL_MS,
  };
}

/**
 * The factor a model with `zeroShare` of its weights zero multiplies its weighted kernels' cost by,
 * from the table's probe: linear in the zero share up to the probed ratio. 1 when the probe measured
 * no difference beyond noise (dense kernels), was too small to conclude from, or is absent.
 */
export function sparsityFactor(probe: SparsityProbe | undefined, zeroShare: number): number {
  if (!probe || probe.conclusive === false || zeroShare <= 0 || Math.abs(probe.kernelRatio - 1) <= SPARSITY_NOISE) return 1;
  return 1 + (probe.kernelRatio - 1) * Math.min(1, zeroShare / probe.ratio);
}
