import { z } from 'zod';
import { SlimflowError } from '../../errors';
import { pruneChannels } from '../../sparsity/channel-prune';
import { autoDistillPairs } from '../distill';
import { batchAt } from '../epoch';
import { repairPrunedConvs } from '../prune-repair';
import { strategyParamsSchema } from './catalog';
import { registerStrategy, StrategyFactory } from '../strategy';

/** Its parameters are declared in ./catalog.ts. */
const params = strategyParamsSchema('channel-prune') as unknown as z.ZodType<{
  ratio: number; criterion: 'l1' | 'geometric_median'; repair: 'least-squares' | 'mean' | 'none'; repairBatches: number; coupled: boolean | 'auto'; rounding: 'up' | 'nearest';
}>;

/**
 * Channel pruning then distillation: the student graph is made structurally smaller before its
 * training graph is built (filters and the matching downstream input channels removed), then the
 * smaller student is distilled from the unpruned teacher to recover.
 */
export const channelPruneStrategy: StrategyFactory = async (student, ctx) => {
  const r = params.safeParse(ctx.config.strategy.params);
  if (!r.success) throw new SlimflowError('INVALID_CONFIG', `bad channel-pruning parameters: ${r.error.message}`, 'train.strategy.params');
  // Distillation compares these tensors with the unpruned teacher's: their channels stay.
  const pairs = ctx.config.distill.pairs ?? autoDistillPairs(student, ctx.config.distill.nodes, ctx.config.distill.loss);
  const distilled = pairs.map((p) => p.student);
  const pruned = pruneChannels(student, r.data.ratio, { protect: distilled, coupled: r.data.coupled, rounding: r.data.rounding, criterion: r.data.criterion });
  const batches = r.data.repair === 'none' ? [] : Array.from({ length: Math.min(r.data.repairBatches, ctx.totalSteps) }, (_, i) => batchAt(ctx.set, ctx.config, 0, i));
  const { model } = await repairPrunedConvs(pruned.model, pruned.report.kept, student, batches, ctx.config.threads, r.data.repair === 'least-squares');
  return {
    student: model,
    attach: async (trainer) => ({
      extraState: () => ({}),
      loadExtra: () => undefined,
      exportModel: async () => trainer.exportModel(),
    }),
  };
};

registerStrategy('channel-prune', channelPruneStrategy);
