import { ArtifactRef } from '../core/artifacts/store';
import { batchSizeOf } from '../core/feed';
import { feedBatches } from '../core/feed-data';
import { prepareModel } from '../core/onnx/prepare';
import { LayerSensitivity, layerSensitivity, quantizedLayers } from '../core/quant/sensitivity';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { heartbeating } from './heartbeat';
import { DEFAULT_BATCH, feedFor, inputSpec } from './input-spec';
import { loadModelRef } from './model-refs';

/** measureSensitivity: per-layer error of a quantized model against its float model on calibration data. */
export function createSensitivityActivities(deps: ActivityDeps) {
  return {
    /** Layers most sensitive (lowest SQNR) first; `batches` bounds the calibration batches used. */
    async measureSensitivity(input: { model: ArtifactRef; quantized: ArtifactRef; calib: unknown; input?: unknown; batches?: number }): Promise<{ layers: LayerSensitivity[] }> {
      return asActivity(async () => {
        const spec = inputSpec(input.input);
        // quantizeModel prepares (folds) the float graph before quantizing: compare against the same graph.
        const float = prepareModel(await loadModelRef(deps, input.model)).model;
        const quantized = await loadModelRef(deps, input.quantized);
        const feed = await feedFor(float, spec, { data: input.calib, batchSize: DEFAULT_BATCH });
        const batchSize = batchSizeOf(feed);
        const batches = feedBatches(input.calib, feed.inputs, { batchSize, limit: batchSize * (input.batches ?? 4), where: 'Global.calibration_data' });
        const feeds = (async function* () {
          for await (const b of heartbeating(batches, 'sensitivity')) yield b.inputs;
        })();
        return { layers: await layerSensitivity(float, quantized, quantizedLayers(float, quantized), feeds, { threads: feed.threads }) };
      });
    },
  };
}
