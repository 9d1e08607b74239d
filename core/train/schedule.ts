import { z } from 'zod';

export const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant'), lr: z.number().positive() }),
  z.object({ kind: z.literal('cosine'), lr: z.number().positive(), totalSteps: z.number().int().positive(), warmupSteps: z.number().int().min(0).default(0), minLr: z.number().min(0).default(0) }),
  z.object({ kind: z.literal('piecewise'), boundaries: z.array(z.number().int().positive()), values: z.array(z.number().positive()) })
    .refine((s) => s.values.length === s.boundaries.length + 1, 'piecewise needs one more value than boundaries'),
]);
export type ScheduleConfig = z.input<typeof scheduleSchema>;

/** Learning rate at a (0-based) global step. */
export function learningRate(config: ScheduleConfig, step: number): number {
  const c = scheduleSchema.parse(config);
  switch (c.kind) {
    case 'constant': return c.lr;
    case 'cosine': {
      if (step < c.warmupSteps) return (c.lr * (step + 1)) / c.warmupSteps;
      const t = Math.min(1, (step - c.warmupSteps) / Math.max(1, c.totalSteps - c.warmupSteps));
      return c.minLr + 0.5 * (c.lr - c.minLr) * (1 + Math.cos(Math.PI * t));
    }
    case 'piecewise': {
      const i = c.boundaries.findIndex((b) => step < b);
      return c.values[i < 0 ? c.values.length - 1 : i];
    }
  }
}
