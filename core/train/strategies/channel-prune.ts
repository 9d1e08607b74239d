import { z } from 'zod';
import { SlimflowError } from '../../errors';
import { analyzeModel } from '../../onnx/analysis';
import { pruneChannels } from '../../sparsity/channel-prune';
import { registerStrategy, StrategyFactory } from '../strategy';

const params = z.object({
  ratio: z.number().min(0).max(0.9).default(0.3),
  /** Filter ranking; the shared pruner (core/sparsity/channel-prune.ts) ranks by L1 norm. */
  criterion: z.enum(['l1', 'geometric_median']).default('l1'),
}).strict();

/**
 * Channel pruning then distillation: the student graph is made structurally smaller before its
 * training graph is built (filters and the matching downstream input channels removed), then the
 * smaller student is distilled from the unpruned teacher to recover.
 */
export const channelPruneStrategy: StrategyFactory = async (student, ctx) => {
  const r = params.safeParse(ctx.config.strategy.params);
  if (!r.success) throw new SlimflowError('INVALID_CONFIG', `bad channel-pruning parameters: ${r.error.message}`, 'train.strategy.params');
  if (r.data.criterion !== 'l1') throw new SlimflowError('NOT_SUPPORTED', 'channel pruning by geometric median is not supported yet (l1 only)', 'train.strategy.params.criterion');
  // Distillation compares these tensors with the unpruned teacher's: their channels stay.
  const distilled = ctx.config.distill.pairs?.map((p) => p.student) ?? analyzeModel(student, ctx.config.distill.nodes).distillationNodes;
  const { model } = pruneChannels(student, r.data.ratio, { protect: distilled });
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
