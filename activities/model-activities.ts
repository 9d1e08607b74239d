import { analyzeModel, GraphAnalysis } from '../core/onnx/analysis';
import { ArtifactRef } from '../core/artifacts/store';
import { prepareModel } from '../core/onnx/prepare';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { importModelFile, loadModelRef, storeModel } from './model-refs';

/** Activities that read a model: import, analysis, teacher clone. */
export function createModelActivities(deps: ActivityDeps) {
  return {
    /** Bring a model file into the artifact store. */
    async importModel(input: { path: string }): Promise<{ model: ArtifactRef }> {
      return asActivity(async () => ({ model: await importModelFile(deps, input.path) }));
    },

    /** Op census, quantizable layers, distillation nodes, family. */
    async analyzeGraph(input: { model: ArtifactRef }): Promise<{ analysis: GraphAnalysis }> {
      return asActivity(async () => ({ analysis: analyzeModel(await loadModelRef(deps, input.model)) }));
    },

    /** FP32 graph rewrites only (lossless): what the runtime gains before any quantization. */
    async optimizeGraph(input: { model: ArtifactRef }): Promise<{ model: ArtifactRef }> {
      return asActivity(async () => ({ model: await storeModel(deps, prepareModel(await loadModelRef(deps, input.model)).model) }));
    },

    /** The teacher: the original model, frozen as its own artifact and tagged with its role. */
    async cloneTeacher(input: { model: ArtifactRef }): Promise<{ teacher: ArtifactRef }> {
      return asActivity(async () => {
        const model = await loadModelRef(deps, input.model);
        model.metadataProps = [
          ...(model.metadataProps ?? []).filter((p) => p.key !== 'slimflow.role' && p.key !== 'slimflow.source'),
          { key: 'slimflow.role', value: 'teacher' },
          { key: 'slimflow.source', value: input.model.sha256 },
        ];
        return { teacher: await storeModel(deps, model) };
      });
    },
  };
}
