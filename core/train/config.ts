import { z } from 'zod';
import { SlimflowError } from '../errors';
import { distillPairSchema } from './distill';
import { DEFAULT_DISTILL_LOSS } from './losses/catalog';
import { TRAIN_STRATEGY_NAMES } from './strategies/catalog';
import { optimizerSchema } from './optim';
import { scheduleSchema } from './schedule';

/** Everything that decides one training run's result; part of every checkpoint key. */
export const trainConfigSchema = z.object({
  seed: z.number().int().default(0),
  /** Training samples read from the dataset (unlabeled is fine: the teacher labels them). */
  samples: z.number().int().positive().default(256),
  batchSize: z.number().int().positive().default(8),
  /** Bound on the steps of one epoch (default: every full batch of `samples`). */
  stepsPerEpoch: z.number().int().positive().optional(),
  optimizer: optimizerSchema.default({ name: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }),
  schedule: scheduleSchema.default({ kind: 'constant', lr: 1e-4 }),
  clipNorm: z.number().min(0).default(0),
  checkpointEvery: z.number().int().positive().default(20),
  threads: z.number().int().positive().default(1),
  distill: z.object({
    pairs: z.array(distillPairSchema).optional(),
    /** Automatic pairs: the outputs of the last `nodes` layers with weights. */
    nodes: z.number().int().positive().default(1),
    /** A distillation loss by name (core/train/losses/catalog.ts). */
    loss: z.string().default(DEFAULT_DISTILL_LOSS),
  }).default({ nodes: 1, loss: DEFAULT_DISTILL_LOSS }),
  /** What the student is: plain distillation, or a compression strategy trained with it. */
  strategy: z.object({
    /** A declared training strategy (core/train/strategies/catalog.ts). */
    kind: z.enum(TRAIN_STRATEGY_NAMES).default('distill'),
    params: z.record(z.string(), z.unknown()).default({}),
  }).default({ kind: 'distill', params: {} }),
}).strict();
export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** Validate a training config from a payload or YAML. */
export function parseTrainConfig(raw: unknown): TrainConfig {
  const r = trainConfigSchema.safeParse(raw ?? {});
  if (!r.success) throw new SlimflowError('INVALID_CONFIG', `bad training config: ${r.error.message}`, 'train');
  return r.data;
}

/** Steps in one epoch: full batches only, so every step has the static batch shape. */
export const stepsPerEpoch = (c: TrainConfig): number => {
  const full = Math.floor(c.samples / c.batchSize);
  if (full === 0) throw new SlimflowError('INVALID_CONFIG', `the training set size (${c.samples}) must hold at least one batch of ${c.batchSize}`, 'TrainConfig.train_samples');
  return Math.min(full, c.stepsPerEpoch ?? full);
};
