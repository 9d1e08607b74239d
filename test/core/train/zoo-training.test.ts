// Training on real exports from the zoo (bench/zoo/manifest.json, installed from their registry
// packages by scripts/zoo-install.cjs, cached after the first run): QAT starts on the MiniLM encoder
// with its int64 inputs, and the YOLOv8n detector is distilled on its six pre-decode head convs.
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { parseTrainConfig } from '../../../core/train/config';
import { autoDistillPairs } from '../../../core/train/distill';
import { loadSampleSet, openTrainingRun, trainOneEpoch } from '../../../core/train/run';
import '../../../core/train/strategies';
import { installZoo, ROOT, zooModel as zoo } from '../../fixtures/zoo';

beforeAll(installZoo, 300_000);

describe('training on real zoo models', () => {
  it('YOLOv8n is distilled on the per-level box (cv2) and class (cv3) convs, not the DFL conv or the decoded output', () => {
    const model = prepareModel(readModel(zoo('yolov8n-320')), { convTransposeToConv: false }).model;
    const pairs = autoDistillPairs(model).map((p) => [p.student, p.loss]);
    expect(pairs).toEqual([0, 1, 2].flatMap((k) => [[`/model.22/cv2.${k}/cv2.${k}.2/Conv_output_0`, 'l2'], [`/model.22/cv3.${k}/cv3.${k}.2/Conv_output_0`, 'sigmoid_l2']]));
  });

  it('QAT starts on MiniLM-L3 with int64 input_ids and attention_mask from tokenized text, and trains an epoch', async () => {
    const SEQ = 16;
    const text = { kind: 'text', files: ['/usr/share/common-licenses/Apache-2.0'], tokenizer: path.join(ROOT, '.tools/zoo/data/text/tokenizer.json'), max_length: SEQ, count: 8 };
    const inputs = ['input_ids', 'attention_mask'].map((name) => ({ name, dtype: 'int64' as const, shape: [1, SEQ] }));
    const set = await loadSampleSet(text, 8, inputs);
    expect(set.inputs.map((i) => i.dtype)).toEqual(['int64', 'int64']);
    const model = readModel(zoo('minilm-l3'));
    const config = parseTrainConfig({ samples: 8, batchSize: 4, seed: 1, strategy: { kind: 'qat', params: { weightBits: 8, calibBatches: 2 } } });
    const run = await openTrainingRun(model, model, set, config);
    try {
      // Every MatMul weight and bias of the three layers, plus the LayerNorm affines.
      expect(Object.keys(run.trainer.params).length).toBeGreaterThanOrEqual(36);
      const { losses } = await trainOneEpoch(run, 0);
      expect(losses).toHaveLength(2);
      expect(losses.every(Number.isFinite)).toBe(true);
      const qdq = await run.strategy.exportModel();
      expect(qdq.graph.node.some((n) => n.opType === 'QuantizeLinear')).toBe(true);
    } finally {
      await run.trainer.release();
    }
  }, 240_000);
});
