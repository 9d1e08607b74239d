import { ArtifactRef } from '../core/artifacts/store';
import { strategyVariants } from '../core/latency/variants';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { beat } from './heartbeat';
import { feedForModel, inputSpec } from './input-spec';
import { storeModel } from './model-refs';
import { decodeModel } from '../core/onnx/model-io';

/** buildStrategyVariants: one model per candidate strategy, for estimateLatency to cost. */
export function createStrategyVariantActivities(deps: ActivityDeps) {
  return {
    /** INT8, INT8 keeping `keepFloat` in float, channel-pruned 25 % / 50 % + INT8 (pattern-calibrated: latency only). */
    async buildStrategyVariants(input: { model: ArtifactRef; input?: unknown; keepFloat?: string[] }): Promise<{ variants: Record<string, ArtifactRef> }> {
      return asActivity(async () => {
        // One read; a fresh graph per variant, since building one changes the graph it is given.
        const bytes = await deps.store.read(input.model);
        const fresh = () => decodeModel(bytes, input.model.uri);
        const feed = feedForModel(fresh(), inputSpec(input.input));
        const shapes = Object.fromEntries(feed.inputs.map((i) => [i.name, i.shape]));
        const dtypes = Object.fromEntries(feed.inputs.map((i) => [i.name, i.dtype]));
        const models = await strategyVariants(fresh, shapes, input.keepFloat ?? [], (built) => beat({ stage: 'variants', built }), dtypes);
        const variants: Record<string, ArtifactRef> = {};
        for (const [k, m] of Object.entries(models)) variants[k] = await storeModel(deps, m);
        return { variants };
      });
    },
  };
}
