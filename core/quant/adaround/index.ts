import { z } from 'zod';
import { producerMap, readWeight } from '../../onnx/graph';
import { FloatWeight } from '../../onnx/tensor-data';
import { NodeMark } from '../op-handlers';
import { roundingParamsSchema } from '../rounding-catalog';
import type { RoundedLayer, RoundingContext, RoundingReport, RoundingRun, WeightRounding } from '../weight-rounding';
import { QuantizedWeight, quantizeWeightInt8 } from '../weights';
import { GramLayer, GramObserver, LayerGram } from './gram';
import { layerShape } from './layer-columns';
import { layerLosses, learnRounding, nearestRounding, RoundingProblem, RoundingSchedule } from './learn-rounding';

/** AdaRound's parameters, declared in core/quant/rounding-catalog.ts. */
export interface AdaroundParams {
  iterations: number;
  reg_weight: number;
  beta_range: [number, number];
  warmup: number;
  learning_rate: number;
  columns: number;
  seed: number;
}

const label = (m: NodeMark) => m.node.name || m.node.output[0];

/** The layers AdaRound can handle (Conv 2-D, MatMul, Gemm with constant weights), and the rest with a reason. */
function adaroundLayers(ctx: RoundingContext): { layers: Layer[]; skipped: RoundingReport['skipped'] } {
  const producers = producerMap(ctx.graph);
  const layers: Layer[] = [];
  const skipped: RoundingReport['skipped'] = [];
  for (const mark of ctx.marks) {
    const w = readWeight(ctx.graph, mark.node.input[mark.weight.slot], producers);
    if (!w) { skipped.push({ layer: label(mark), reason: 'weight is not a constant' }); continue; }
    const shape = layerShape(mark.node, w.dims);
    if ('skip' in shape) { skipped.push({ layer: label(mark), reason: shape.skip }); continue; }
    layers.push({ label: label(mark), input: mark.node.input[mark.activationInputs[0]], shape, mark });
  }
  return { layers, skipped };
}

/**
 * H per group, shrunk toward its diagonal and divided by its mean diagonal. The shrinkage weight
 * k/(k + columns) acts like a prior worth k columns: layers that saw few columns (squeeze-excite
 * convs see one per image) get a full-rank H instead of one AdaRound would overfit. The division
 * makes λ mean the same whatever the scale of the layer's input.
 */
export function normalizedGram(g: LayerGram, groups: number, k: number): Float32Array {
  const out = new Float32Array(g.h.length);
  const shrink = k / (k + g.columns);
  for (let gi = 0; gi < groups; gi++) {
    const off = gi * k * k;
    let trace = 0;
    for (let j = 0; j < k; j++) trace += g.h[off + j * k + j];
    const norm = trace > 0 ? k / trace : 0;
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < k; c++) out[off + r * k + c] = g.h[off + r * k + c] * norm * (r === c ? 1 : 1 - shrink);
    }
  }
  return out;
}

type Layer = GramLayer & { mark: NodeMark };

/** One layer's slice of the joint problem. */
interface Segment { layer: Layer; offset: number; length: number; weight: FloatWeight; nearest: QuantizedWeight }

/** The layers' weights in quantization steps, one segment each, with each weight's clipping bound. */
function jointProblem(ctx: RoundingContext, layers: Layer[]): { problem: RoundingProblem; segments: Segment[] } {
  const producers = producerMap(ctx.graph);
  const segments: Segment[] = [];
  let offset = 0;
  for (const layer of layers) {
    const { mark } = layer;
    const weight = readWeight(ctx.graph, mark.node.input[mark.weight.slot], producers)!;
    // Scales stay the weight quantizer's: AdaRound only chooses down or up.
    const nearest = quantizeWeightInt8(weight, mark.weight.axis, mark.weightQmax ?? ctx.weightQmax);
    segments.push({ layer, offset, length: weight.data.length, weight, nearest });
    offset += weight.data.length;
  }
  const ratio = new Float64Array(offset);
  const qmax = new Uint8Array(offset);
  for (const s of segments) {
    const { k, weightIndex } = s.layer.shape;
    const bound = s.layer.mark.weightQmax ?? ctx.weightQmax;
    // One scale per output channel (every row is one), or one for the tensor.
    const perRow = s.nearest.scales.length > 1;
    weightIndex.forEach((idx, i) => {
      ratio[s.offset + i] = s.weight.data[idx] / s.nearest.scales[perRow ? Math.floor(i / k) : 0];
      qmax[s.offset + i] = bound;
    });
  }
  return { problem: { ratio, qmax }, segments };
}

/**
 * Learn the rounding of all layers at once (one onnxruntime call per iteration for every layer) and
 * set it on each mark whose output error it lowers.
 */
async function roundLayers(ctx: RoundingContext, layers: Layer[], grams: LayerGram[], p: AdaroundParams): Promise<RoundedLayer[]> {
  const { problem, segments } = jointProblem(ctx, layers);
  const kernels = layers.map((l, i) => ({ h: normalizedGram(grams[i], l.shape.groups, l.shape.k), groups: l.shape.groups, k: l.shape.k, rows: l.shape.rows }));
  const schedule: RoundingSchedule = {
    iterations: p.iterations, regWeight: p.reg_weight, betaStart: p.beta_range[0], betaEnd: p.beta_range[1], warmup: p.warmup, learningRate: p.learning_rate,
    onProgress: ctx.onProgress && ((done, total) => ctx.onProgress!({ stage: 'adaround', done, total })),
  };
  const learned = await learnRounding(problem, kernels, schedule, ctx.threads);
  const [nearestLoss, learnedLoss] = [await layerLosses(nearestRounding(problem), problem, kernels, ctx.threads), await layerLosses(learned, problem, kernels, ctx.threads)];
  return segments.map((s, i) => {
    // The objective is exact, so a learned rounding that loses to nearest on it is a poor optimum: keep nearest.
    const kept = learnedLoss[i] <= nearestLoss[i] ? 'learned' : 'nearest';
    if (kept === 'learned') {
      const q = new Int8Array(s.weight.data.length);
      s.layer.shape.weightIndex.forEach((idx, j) => { q[idx] = learned[s.offset + j]; });
      s.layer.mark.rounded = { ...s.nearest, q };
    }
    return { layer: s.layer.label, nearestLoss: nearestLoss[i], learnedLoss: learnedLoss[i], kept };
  });
}

/**
 * AdaRound (ACT's round_type: adaround): per layer, the rounding of each weight (down or up) that
 * minimizes the layer's output error on calibration data, learned by gradient descent on a soft
 * relaxation. The output error of a linear layer is Σ_rows δ·H·δᵀ with H the Gram matrix of its
 * input columns, so the calibration pass only accumulates H (sampled columns, streamed) and each
 * iteration is one onnxruntime call computing δ·H for every layer.
 */
export const adaroundRounding: WeightRounding<AdaroundParams> = {
  name: 'adaround',
  paramsSchema: roundingParamsSchema('adaround') as unknown as z.ZodType<AdaroundParams>,
  start(ctx, p) {
    const { layers, skipped } = adaroundLayers(ctx);
    const observer = new GramObserver(layers, p.columns, p.seed, ctx.threads);
    return {
      observers: [observer],
      async finish() {
        const t0 = performance.now();
        const ready: Layer[] = [];
        const grams: LayerGram[] = [];
        for (const l of layers) {
          const gram = observer.gram(l.label);
          if (!gram || gram.columns === 0) skipped.push({ layer: l.label, reason: 'its input was never seen in calibration' });
          else { ready.push(l); grams.push(gram); }
        }
        const done = ready.length > 0 ? await roundLayers(ctx, ready, grams, p) : [];
        return { name: 'adaround', layers: done, skipped, seconds: (performance.now() - t0) / 1000 };
      },
      release: () => observer.release(),
    };
  },
};
