// Every distillation loss's name and parameters, declared once: the implementations (./l2.ts…) take
// their params schema from here, and the config's Distillation.loss (core/components/train-sections.ts)
// its names and default. Import-free but for zod.
import { z } from 'zod';
import { Component, componentSchema, param } from '../../components/param';

/** Every distillation loss, by the name Distillation.loss gives it; the first is the default. */
export const DISTILL_LOSSES: readonly Component[] = [
  // Mean squared difference between student and teacher feature maps (ACT's l2).
  { name: 'l2', params: [] },
  // KL(teacher ‖ student) of softmax(logits / T) along an axis (ACT's soft_label).
  {
    name: 'soft_label',
    params: [
      param({ key: 'temperature', schema: z.number().positive(), default: 1, doc: 'T of softmax(logits / T); the loss is scaled by T² so gradients keep their scale' }),
      param({ key: 'axis', schema: z.number().int(), default: -1, doc: 'the class axis' }),
    ],
  },
  // L2 between sigmoid probabilities (a detector's class maps: far-negative logits of absent classes no longer dominate).
  { name: 'sigmoid_l2', params: [] },
];

export const DISTILL_LOSS_NAMES = ['l2', 'soft_label', 'sigmoid_l2'] as const;
export type DistillLossName = (typeof DISTILL_LOSS_NAMES)[number];
export const DEFAULT_DISTILL_LOSS: DistillLossName = 'l2';

/** The strict params schema of a loss, from its declaration. */
export function lossParamsSchema(name: DistillLossName): z.ZodObject {
  return componentSchema(DISTILL_LOSSES.find((l) => l.name === name)!);
}
