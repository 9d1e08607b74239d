import { ArtifactRef } from '../core/artifacts/store';
import { iterateBatches } from '../core/data';
import { prepareModel } from '../core/onnx/prepare';
import { LayerSensitivity, layerSensitivity, quantizedLayers } from '../core/quant/sensitivity';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { heartbeating } from './heartbeat';
import { inputSpec } from './input-spec';
import { loadModelRef } from './model-refs';

/** measureSensitivity: per-layer error of a quantized model against its float model on calibration data. */
export function createSensitivityActivities(deps: ActivityDeps) {
  return {
    /** Layers most sensitive (lowest SQNR) first; `batches` bounds the calibration batches used. */
    async measureSensitivity(input: { model: ArtifactRef; quantized: ArtifactRef; calib: unknown; input?: unknown; batches?: number }): Promise<{ layers: LayerSensitivity[] }> {
      return asActivity(async () => {
        const feed = inputSpec(input.input);
        // quantizeModel prepares (folds) the float graph before quantizing: compare against the same graph.
        const float = prepareModel(loadModelRef(deps, input.model)).model;
        const quantized = loadModelRef(deps, input.quantized);
        const batchSize = feed.shape[0];
        const batches = iterateBatches(input.calib, { batchSize, limit: batchSize * (input.batches ?? 4), inputName: feed.name });
        const feeds = (async function* () {
          for await (const b of heartbeating(batches, 'sensitivity')) yield b.inputs;
        })();
        return { layers: await layerSensitivity(float, quantized, quantizedLayers(float, quantized), feeds, { threads: feed.threads }) };
      });
    },
  };
}
