import { ArtifactRef } from '../core/artifacts/store';
import { strategyVariants } from '../core/latency/variants';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { beat } from './heartbeat';
import { inputSpec } from './input-spec';
import { loadModelRef, storeModel } from './model-refs';

/** buildStrategyVariants: one model per candidate strategy, for estimateLatency to cost. */
export function createStrategyVariantActivities(deps: ActivityDeps) {
  return {
    /** INT8, INT8 keeping `keepFloat` in float, channel-pruned 25 % / 50 % + INT8 (pattern-calibrated: latency only). */
    async buildStrategyVariants(input: { model: ArtifactRef; input?: unknown; keepFloat?: string[] }): Promise<{ variants: Record<string, ArtifactRef> }> {
      return asActivity(async () => {
        const feed = inputSpec(input.input);
        const models = await strategyVariants(() => loadModelRef(deps, input.model), { [feed.name]: feed.shape }, input.keepFloat ?? [], (built) => beat({ stage: 'variants', built }));
        return { variants: Object.fromEntries(Object.entries(models).map(([k, m]) => [k, storeModel(deps, m)])) };
      });
    },
  };
}
