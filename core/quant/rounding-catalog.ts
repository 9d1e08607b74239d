// Every weight rounding's name (ACT's round_type) and parameters, declared once: the implementations
// (core/quant/weight-rounding.ts, core/quant/adaround) take their params schema from here, the config
// its round_type values. Import-free but for zod: the workflows bundle the search space, which reads it.
import { z } from 'zod';
import { Component, componentSchema, param } from '../components/param';

/** Round to nearest: the weight quantizer's own rounding, nothing to learn. */
const nearest: Component = { name: 'round', params: [] };

/** AdaRound: each weight rounded down or up to fit its layer's float output (core/quant/adaround). */
const adaround: Component = {
  name: 'adaround',
  params: [
    // All layers learn together; the gradient is exact (from the Gram matrix), so far fewer than the paper's 10k batches do.
    param({ key: 'iterations', schema: z.number().int().positive(), default: 1000, search: [300, 1000], doc: 'Adam steps' }),
    /*
     * The output error here is in squared quantization steps with H normalized to a unit mean diagonal,
     * so the paper's 0.01 (for an unnormalized loss) is too weak: soft values stay fractional and hard
     * rounding undoes the gain. 0.1–1 bind them. On rec (abs_max, 300 iterations) λ = 1 halved the
     * layers' error and raised FP32 agreement 95.84 → 96.43% (λ = 0.1: −29%, 95.90%); on cls both beat
     * nearest on output cosine.
     */
    param({ key: 'reg_weight', schema: z.number().positive(), default: 1, search: [0.1, 1], doc: 'λ: weight of the regularizer that drives the soft rounding to 0 or 1' }),
    // At least 1: |2h − 1|^(β−1) must stay finite.
    param({ key: 'beta_range', schema: z.tuple([z.number().min(1), z.number().min(1)]), default: [20, 2] as [number, number], doc: 'β of the regularizer, annealed from the first value to the second after the warm-up' }),
    param({ key: 'warmup', schema: z.number().min(0).lt(1), default: 0.2, doc: 'share of the iterations spent on the output error alone before the regularizer starts' }),
    param({ key: 'learning_rate', schema: z.number().positive(), default: 0.01, doc: 'Adam\'s step size' }),
    param({ key: 'columns', schema: z.number().int().positive(), default: 512, doc: 'input columns (conv patches or matmul rows) sampled per layer and calibration batch' }),
    param({ key: 'seed', schema: z.number().int(), default: 0, doc: 'seed of the column sampling' }),
  ],
};

/** Every weight rounding, by ACT's round_type name; the first is the default. */
export const WEIGHT_ROUNDINGS: readonly Component[] = [nearest, adaround];

/** The round_type names. */
export const ROUND_TYPES = ['round', 'adaround'] as const;
export type RoundType = (typeof ROUND_TYPES)[number];

/** The strict params schema of a weight rounding, from its declaration. */
export function roundingParamsSchema(name: string): z.ZodObject {
  const c = WEIGHT_ROUNDINGS.find((r) => r.name === name);
  if (!c) throw new Error(`no weight rounding ${name} is declared`);
  return componentSchema(c);
}
