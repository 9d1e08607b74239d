import { z } from 'zod';
import { SlimflowError } from '../../errors';
import { adam } from './adam';
import { Optimizer } from './optimizer';
import { sgd } from './sgd';

export const optimizerSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('sgd'), momentum: z.number().min(0).max(1).default(0.9), weightDecay: z.number().min(0).default(0), nesterov: z.boolean().default(false) }),
  z.object({ name: z.literal('adam'), beta1: z.number().default(0.9), beta2: z.number().default(0.999), eps: z.number().default(1e-8), weightDecay: z.number().min(0).default(0) }),
  z.object({ name: z.literal('adamw'), beta1: z.number().default(0.9), beta2: z.number().default(0.999), eps: z.number().default(1e-8), weightDecay: z.number().min(0).default(0.01) }),
]);
export type OptimizerConfig = z.input<typeof optimizerSchema>;

/** An optimizer from its config (validated here). */
export function makeOptimizer(config: OptimizerConfig): Optimizer {
  const parsed = optimizerSchema.safeParse(config);
  if (!parsed.success) throw new SlimflowError('INVALID_CONFIG', `bad optimizer: ${parsed.error.message}`, 'optimizer');
  const c = parsed.data;
  if (c.name === 'sgd') return sgd(c);
  return adam({ ...c, decoupled: c.name === 'adamw' });
}

export type { Optimizer, OptimizerState } from './optimizer';
