import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../core/onnx/analysis';
import { graphInputs } from '../../../core/onnx/graph-inputs';
import { encodeModel } from '../../../core/onnx/model-io';
import { ModelSession } from '../../../core/runtime/session';
import { attentionBlock, int64Embedding, nhwcTransposeHead, StyledGraph } from '../../fixtures/export-styles';
import { binaryMask, classifier, ctcRecognizer, dbDetector, featureExtractor, layerNormMlp, segmenter, yoloDetector } from '../../fixtures/family-graphs';
import { prepareModel } from '../../../core/onnx/prepare';

const CASES: [string, () => StyledGraph, string][] = [
  ['a YOLOv8 head [1, 4+C, A]', () => yoloDetector('v8'), 'detector'],
  ['a YOLOv5 head [1, A, 5+C]', () => yoloDetector('v5', 3), 'detector'],
  ['class maps upsampled to the input resolution', () => segmenter('full'), 'segmenter'],
  ['class maps at 1/4 of the input resolution', () => segmenter('fraction'), 'segmenter'],
  ['class maps of dynamic size behind a Resize', () => segmenter('dynamic'), 'segmenter'],
  ['a one-channel map painted by ConvTranspose upsamplers (DB text detection)', dbDetector, 'detector'],
  ['a one-channel salient-object mask at the input resolution (U²-Net)', binaryMask, 'segmenter'],
  ['self-attention (Softmax of Q·Kᵀ)', () => attentionBlock({ opset: 13, weights: 'initializers' }), 'transformer'],
  ['a Gather embedding of int64 token ids', () => int64Embedding({ opset: 17, weights: 'initializers' }), 'transformer'],
  ['a decomposed LayerNorm before MatMul layers', layerNormMlp, 'transformer'],
  ['a CNN classifier', classifier, 'cnn'],
  ['an NHWC classifier (tf2onnx)', () => nhwcTransposeHead({ opset: 13, weights: 'initializers' }), 'cnn'],
  ['a 1/32 feature map (spatial, many channels, no upsampling)', featureExtractor, 'cnn'],
  ['a CTC recognizer whose [1, 32, 200] output comes from Softmax, not a Concat of heads', ctcRecognizer, 'cnn'],
];

describe('model family from the graph', () => {
  for (const [what, build, family] of CASES) {
    it(`${what}: ${family}`, async () => {
      const g = build();
      // The fixture is honest: onnxruntime computes the output dims the graph declares.
      const s = await ModelSession.create(encodeModel(g.model));
      try {
        const out = await s.run(g.feeds);
        for (const o of g.model.graph.output) {
          const declared = o.type!.tensorType!.shape!.dim.map((d) => d.dimValue ?? 'dynamic');
          expect(out[o.name].dims.map((d, i) => (declared[i] === 'dynamic' ? 'dynamic' : d))).toEqual(declared);
        }
      } finally {
        await s.release();
      }
      const a = analyzeModel(g.model);
      expect(a.family, a.familyReason).toBe(family);
      expect(a.familyReason.length).toBeGreaterThan(0);
    });
  }
});

describe('the family survives the lossless rewrite', () => {
  it('a DB head rewritten to Conv + DepthToSpace is still a detector', () => {
    const { model, report } = prepareModel(dbDetector().model);
    expect(report.convTransposesRewritten).toBe(2);
    expect(analyzeModel(model).family).toBe('detector');
  });
});

describe('inputs and outputs with their element types', () => {
  it('names int64 token inputs and the float embedding output, with dynamic dims by name', () => {
    const { model } = int64Embedding({ opset: 17, weights: 'initializers' });
    const a = analyzeModel(model);
    expect(a.inputs.map(({ name, dtype, dims, elemType }) => ({ name, dtype, dims, elemType }))).toEqual([
      { name: 'input_ids', dtype: 'int64', dims: ['batch', 'sequence'], elemType: 7 },
      { name: 'attention_mask', dtype: 'int64', dims: ['batch', 'sequence'], elemType: 7 },
    ]);
    expect(a.outputs).toEqual([{ name: 'sentence_embedding', dtype: 'float32', dims: ['batch', 8], elemType: 1 }]);
  });

  it('graphInputs leaves out initializers listed as inputs (IR < 4) and marks unfeedable types', () => {
    const { model } = classifier();
    const w = model.graph.initializer[0];
    model.graph.input.push({ name: w.name!, type: { tensorType: { elemType: 1, shape: { dim: w.dims.map((d) => ({ dimValue: d })) } } } });
    model.graph.input.push({ name: 'names', type: { tensorType: { elemType: 8, shape: { dim: [{ dimValue: 1 }] } } } });
    model.graph.input.push({ name: 'anon', type: { tensorType: { elemType: 1, shape: { dim: [{}, { dimValue: 2 }] } } } });
    expect(graphInputs(model)).toEqual([
      { name: 'input', dtype: 'float32', dims: ['batch', 3, 32, 32] },
      { name: 'names', dtype: 'unsupported(8)', dims: [1] },
      { name: 'anon', dtype: 'float32', dims: ['?', 2] },
    ]);
  });
});
