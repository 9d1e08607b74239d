import { z } from 'zod';
import { SlimflowError } from '../../errors';
import { cloneModel } from '../../onnx/clone';
import { collectRanges } from '../../quant/collect';
import { planQuantization } from '../../quant/plan';
import { emitQdq } from '../../quant/qdq';
import { RangeRecord, TensorRange } from '../../quant/ranges';
import { Tensor } from '../../tensor';
import { batchAt } from '../epoch';
import { clipWeightForQuant, fakeQuantWeight, insertActivationQuantizers, quantizerFeeds } from '../fake-quant';
import { strategyParamsSchema } from './catalog';
import { registerStrategy, StrategyFactory } from '../strategy';
import { repairLayers, RepairTarget } from '../prune-repair';
import { consumerMap, producerMap, readWeight } from '../../onnx/graph';
import { reduceRangeRule } from '../../quant/cpu-placement';
import { cpuFeatures, fromFlags } from '../../runtime/cpu-features';
import { Model, NodeProto } from '../../onnx/proto';

/** Its parameters are declared in ./catalog.ts. */
interface Params {
  weightBits: number;
  reduceRange?: boolean;
  calibrator: string;
  calibBatches?: number;
  rangeTracking: 'auto' | 'minmax' | 'frozen';
  momentum: number;
  weightClip: 'auto' | 'absmax' | 'mse';
  biasCorrection: boolean | 'auto';
  deployCpuFlags?: string[];
}
const params = strategyParamsSchema('qat') as unknown as z.ZodType<Params>;

/** The calibrators 'auto' tries: min/max, and the two that clip outliers by different criteria. */
const AUTO_CALIBRATORS = ['abs_max', 'mse', 'KL'];
/** Calibrators whose range is the batches' min/max (or its mean): tracking by moving average keeps their meaning. */
const MINMAX_CALIBRATORS = new Set(['abs_max', 'avg']);

const rangeOf = (t: Tensor): { min: number; max: number } => {
  const d = t.data as Float32Array;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < d.length; i++) { const v = d[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  return { min: lo, max: hi };
};

/**
 * Quantization-aware training: weights fake-quantized per channel and activations through Q/DQ pairs
 * (straight-through estimator), ranges initialised by PTQ calibration and tracked by moving average;
 * exported through the PTQ emitter (planQuantization + emitQdq) so the result is the same QDQ format.
 */
export const qatStrategy: StrategyFactory = async (student, ctx) => {
  const parsed = params.safeParse(ctx.config.strategy.params);
  if (!parsed.success) throw new SlimflowError('INVALID_CONFIG', `bad QAT parameters: ${parsed.error.message}`, 'train.strategy.params');
  const p = parsed.data;
  const weightClip = p.weightClip === 'auto' ? (p.weightBits < 8 ? 'mse' : 'absmax') : p.weightClip;
  const biasCorrection = p.biasCorrection === 'auto' ? p.weightBits < 8 : p.biasCorrection;
  const cpu = p.deployCpuFlags ? fromFlags('the deploy CPU', p.deployCpuFlags) : cpuFeatures();
  const reduceRange = p.reduceRange ?? reduceRangeRule(cpu).apply;
  const weightQmax = p.weightBits === 8 && reduceRange ? 63 : 2 ** (p.weightBits - 1) - 1;
  const plan = planQuantization(student, { perChannel: true, cpu });
  if (plan.marks.length === 0) throw new SlimflowError('NOT_SUPPORTED', 'QAT: no layer can be quantized', 'train.strategy');
  // The same largest value per layer as the emitter uses (depthwise layers keep their own).
  const weights = new Map(plan.marks.map((m) => [m.node.input[m.weight.slot], { axis: m.weight.axis, qmax: m.weightQmax ?? weightQmax }]));
  const tensors = plan.activationTensors;

  const calibCount = p.calibBatches ?? Math.max(4, Math.min(Math.ceil(32 / ctx.config.batchSize), ctx.totalSteps));
  const calibBatches = Array.from({ length: calibCount }, (_, i) => batchAt(ctx.set, ctx.config, 0, i % Math.max(1, ctx.totalSteps)));
  const candidates = p.calibrator === 'auto' ? AUTO_CALIBRATORS : [p.calibrator];
  const inits: RangeRecord[] = [];
  for (const calibrator of candidates) inits.push(await collectRanges(student, tensors, (async function* () { yield* calibBatches; })(), { calibrator, threads: ctx.config.threads }));
  const ranges = new Map<string, TensorRange>();
  /** Make `init` the current ranges (a fresh copy: tracking edits them in place). */
  const useRanges = (init: RangeRecord) => { for (const t of tensors) ranges.set(t, { ...(init[t] ?? { min: 0, max: 1, count: 0 }) }); };
  useRanges(inits[0]);
  let calibrator = candidates[0];
  /** Each candidate calibrator's mean distillation loss at the start (calibrator 'auto'). */
  const startLosses: Record<string, number> = {};

  const qatStudent = cloneModel(student);
  insertActivationQuantizers(qatStudent.graph, tensors);
  return {
    student: qatStudent,
    extraFeeds: () => quantizerFeeds(ranges),
    keepOutputs: tensors,
    async attach(trainer) {
      if (weightClip === 'mse') {
        for (const [name, spec] of weights) {
          const w = trainer.params[name];
          if (w) w.set(clipWeightForQuant(w, trainer.graph.initial[name].dims, spec.axis, spec.qmax));
        }
      }
      trainer.transforms.push({
        forward: (name, w) => {
          const spec = weights.get(name);
          return spec ? fakeQuantWeight(w, trainer.graph.initial[name].dims, spec.axis, spec.qmax) : w;
        },
      });
      if (biasCorrection) {
        // Per layer, 4-bit errors are small (rec: one layer alone keeps 81–100 of 100 points); together
        // they compound to 0. Removing each layer's mean error in order is cheap and keeps weights on the grid.
        const fq = trainer.writeWeights(student, true);
        const { model } = await repairLayers(fq, student, calibBatches, biasTargets(fq, plan.marks.map((m) => m.node)), ctx.config.threads);
        const producers = producerMap(model.graph);
        for (const t of biasTargets(fq, plan.marks.map((m) => m.node))) trainer.params[t.bias]?.set(readWeight(model.graph, t.bias, producers)!.data);
      }
      if (candidates.length > 1) {
        // The start that distils best: the loss of each calibrator's ranges over the calibration batches.
        let best = Infinity;
        let bestAt = 0;
        for (let k = 0; k < candidates.length; k++) {
          useRanges(inits[k]);
          let loss = 0;
          for (const b of calibBatches) loss += (await trainer.lossAndGrads(b, false)).loss;
          startLosses[candidates[k]] = loss / calibBatches.length;
          if (loss < best) { best = loss; bestAt = k; }
        }
        useRanges(inits[bestAt]);
        calibrator = candidates[bestAt];
      }
      const track = p.rangeTracking === 'minmax' || (p.rangeTracking === 'auto' && MINMAX_CALIBRATORS.has(calibrator));
      if (track) trainer.onOutputs = (outs) => {
        for (const [t, v] of Object.entries(outs)) {
          const r = ranges.get(t);
          if (!r || v.dtype !== 'float32') continue;
          const b = rangeOf(v);
          r.min = p.momentum * r.min + (1 - p.momentum) * b.min;
          r.max = p.momentum * r.max + (1 - p.momentum) * b.max;
        }
      };
      return {
        describe: () => ({ calibrator, calibBatches: calibCount, rangeTracking: track ? 'minmax' : 'frozen', weightClip, biasCorrection, ...(candidates.length > 1 ? { startLosses } : {}) }),
        extraState: () => Object.fromEntries([...ranges].map(([t, r]) => [`range:${t}`, Float32Array.of(r.min, r.max, r.count)])),
        loadExtra: (extra) => {
          for (const [k, v] of Object.entries(extra)) {
            const r = ranges.get(k.slice('range:'.length));
            if (k.startsWith('range:') && r) { r.min = v[0]; r.max = v[1]; r.count = v[2]; }
          }
        },
        async exportModel() {
          // Float master weights into the clean student; the PTQ emitter quantizes them exactly as training did.
          const float = trainer.writeWeights(student, false);
          const finalPlan = planQuantization(float, { perChannel: true, cpu });
          const record: RangeRecord = Object.fromEntries([...ranges].map(([t, r]) => [t, { min: r.min, max: r.max, count: Math.max(1, r.count) }]));
          return emitQdq(float, finalPlan, record, { weightQmax });
        },
      };
    },
  };
};

/** The bias of each quantized layer (a Conv's third input, or the constant of the Add after a MatMul), as repair targets. */
function biasTargets(model: Model, layers: NodeProto[]): RepairTarget[] {
  const g = model.graph;
  const producers = producerMap(g);
  const readers = consumerMap(g);
  const out: RepairTarget[] = [];
  for (const n of layers) {
    if (n.opType === 'Conv' && n.input[2]) {
      const b = readWeight(g, n.input[2], producers);
      if (b) out.push({ output: n.output[0], bias: n.input[2], axis: 1, map: Array.from(b.data, (_, i) => i) });
      continue;
    }
    const next = readers.get(n.output[0]) ?? [];
    if (n.opType !== 'MatMul' || next.length !== 1 || next[0].opType !== 'Add') continue;
    const bias = next[0].input.find((i) => i !== n.output[0]);
    const b = bias ? readWeight(g, bias, producers) : undefined;
    if (bias && b && b.dims.length === 1 && b.data.length > 1) out.push({ output: next[0].output[0], bias, axis: -1, map: Array.from(b.data, (_, i) => i) });
  }
  return out;
}

registerStrategy('qat', qatStrategy);
