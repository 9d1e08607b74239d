import { ArtifactRef } from '../core/artifacts/store';
import { strategyVariants } from '../core/latency/variants';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { beat } from './heartbeat';
import { feedForModel, inputSpec } from './input-spec';
import { loadModelRef, storeModel } from './model-refs';

/** buildStrategyVariants: one model per candidate strategy, for estimateLatency to cost. */
export function createStrategyVariantActivities(deps: ActivityDeps) {
  return {
    /** INT8, INT8 keeping `keepFloat` in float, channel-pruned 25 % / 50 % + INT8 (pattern-calibrated: latency only). */
    async buildStrategyVariants(input: { model: ArtifactRef; input?: unknown; keepFloat?: string[] }): Promise<{ variants: Record<string, ArtifactRef> }> {
      return asActivity(async () => {
        const feed = feedForModel(loadModelRef(deps, input.model), inputSpec(input.input));
        const shapes = Object.fromEntries(feed.inputs.map((i) => [i.name, i.shape]));
        const dtypes = Object.fromEntries(feed.inputs.map((i) => [i.name, i.dtype]));
        const models = await strategyVariants(() => loadModelRef(deps, input.model), shapes, input.keepFloat ?? [], (built) => beat({ stage: 'variants', built }), dtypes);
        return { variants: Object.fromEntries(Object.entries(models).map(([k, m]) => [k, storeModel(deps, m)])) };
      });
    },
  };
}
