import { z } from 'zod';
import { SlimflowError } from '../../errors';
import { analyzeModel } from '../../onnx/analysis';
import { attrInt } from '../../onnx/graph';
import { Mask, masked } from '../../sparsity/masks';
import { twoOfFourMask } from '../../sparsity/semi-structured-2of4';
import { gmpSparsity, magnitudeMask } from '../../sparsity/unstructured';
import { strategyParamsSchema } from './catalog';
import { registerStrategy, StrategyFactory, StudentStrategy } from '../strategy';
import { Trainer } from '../trainer';

/** Their parameters are declared in ./catalog.ts. */
const unstructuredParams = strategyParamsSchema('unstructured') as unknown as z.ZodType<{ ratio: number; rampSteps: number; every: number; rampShare?: number; minParams: number }>;
const semiParams = strategyParamsSchema('semi-structured-2of4') as unknown as z.ZodType<{ minParams: number }>;

/** Conv/ConvTranspose/MatMul/Gemm weights worth sparsifying, with their input axis (depthwise stays dense). */
function prunableWeights(trainer: Trainer, student: Parameters<StrategyFactory>[0], minParams: number): Map<string, number> {
  const out = new Map<string, number>();
  const byName = new Map(student.graph.node.map((n) => [n.name || n.output[0], n]));
  for (const l of analyzeModel(student).quantizableLayers) {
    const n = byName.get(l.node);
    if (!n || !trainer.params[l.weight] || l.params < minParams) continue;
    if (n.opType === 'Conv' && attrInt(n, 'group', 1) > 1) continue;
    const inputAxis = n.opType === 'MatMul' ? 0 : n.opType === 'Gemm' ? (attrInt(n, 'transB', 0) ? 1 : 0) : n.opType === 'ConvTranspose' ? 0 : 1;
    out.set(l.weight, inputAxis);
  }
  return out;
}

/** Masks enforced through training: effective weights masked, gradients masked, master weights re-masked after each update. */
function enforce(trainer: Trainer, masks: Map<string, Mask>, student: Parameters<StrategyFactory>[0], onStep?: (s: number) => void): StudentStrategy {
  trainer.transforms.push({
    forward: (name, w) => (masks.has(name) ? masked(w, masks.get(name)!) : w),
    grad: (name, g) => { const m = masks.get(name); if (m) for (let i = 0; i < g.length; i++) g[i] *= m[i]; },
    after: (name, w) => { const m = masks.get(name); if (m) for (let i = 0; i < w.length; i++) w[i] *= m[i]; },
  });
  return {
    extraState: () => Object.fromEntries([...masks].map(([k, m]) => [`mask:${k}`, m])),
    loadExtra: (extra) => { for (const [k, v] of Object.entries(extra)) if (k.startsWith('mask:')) masks.set(k.slice(5), Float32Array.from(v)); },
    onStep,
    exportModel: async () => trainer.writeWeights(student, true),
  };
}

/** A ramp over `share` of the steps, ending on a remask step so the target is reached (0 steps: at once). */
function rampOf(share: number, totalSteps: number, every: number): { rampSteps: number; every: number } {
  const steps = Math.floor(share * totalSteps);
  const e = Math.max(1, Math.min(every, steps));
  return { rampSteps: e * Math.floor(steps / e), every: e };
}

/** Unstructured magnitude sparsity to a target ratio, gradually (GMP) or at once. */
export const unstructuredStrategy: StrategyFactory = async (student, ctx) => {
  const r = unstructuredParams.safeParse(ctx.config.strategy.params);
  if (!r.success) throw new SlimflowError('INVALID_CONFIG', `bad unstructured-sparsity parameters: ${r.error.message}`, 'train.strategy.params');
  const p = { ...r.data, ...(r.data.rampShare !== undefined ? rampOf(r.data.rampShare, ctx.totalSteps, r.data.every) : {}) };
  return {
    student,
    async attach(trainer) {
      const layers = prunableWeights(trainer, student, p.minParams);
      const masks = new Map<string, Mask>();
      const remask = (ratio: number) => { for (const name of layers.keys()) masks.set(name, magnitudeMask(trainer.params[name], ratio)); };
      remask(gmpSparsity(0, { target: p.ratio, end: p.rampSteps }));
      for (const [name, m] of masks) { const w = trainer.params[name]; for (let i = 0; i < w.length; i++) w[i] *= m[i]; }
      return enforce(trainer, masks, student, (step) => {
        if (step <= p.rampSteps && step % p.every === 0) remask(gmpSparsity(step, { target: p.ratio, end: p.rampSteps }));
      });
    },
  };
};

/** 2:4 semi-structured sparsity along the input dimension, masks fixed from the starting magnitudes (ASP). */
export const twoOfFourStrategy: StrategyFactory = async (student, ctx) => {
  const r = semiParams.safeParse(ctx.config.strategy.params);
  if (!r.success) throw new SlimflowError('INVALID_CONFIG', `bad 2:4 parameters: ${r.error.message}`, 'train.strategy.params');
  return {
    student,
    async attach(trainer) {
      const masks = new Map<string, Mask>();
      for (const [name, axis] of prunableWeights(trainer, student, r.data.minParams)) {
        const m = twoOfFourMask(trainer.params[name], trainer.graph.initial[name].dims, axis);
        if (m) masks.set(name, m);
      }
      for (const [name, m] of masks) { const w = trainer.params[name]; for (let i = 0; i < w.length; i++) w[i] *= m[i]; }
      return enforce(trainer, masks, student);
    },
  };
};

registerStrategy('unstructured', unstructuredStrategy);
registerStrategy('semi-structured-2of4', twoOfFourStrategy);
