// A YOLOv8-like detector is distilled on its head's maps before decoding: the per-level box (DFL
// logits) and class convs, not the decoded [N, 4+C, A] tensor nor the DFL's fixed expectation conv.
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../core/onnx/analysis';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { ModelSession } from '../../../core/runtime/session';
import { buildTrainingGraph } from '../../../core/train/autodiff';
import { attr } from '../../../core/onnx/graph';
import { parseTrainConfig } from '../../../core/train/config';
import { yoloHeadMaps } from '../../../core/train/detector-head';
import { autoDistillPairs, emitDistillLoss } from '../../../core/train/distill';
import { SampleSet } from '../../../core/train/epoch';
import { openTrainingRun, trainOneEpoch } from '../../../core/train/run';
import '../../../core/train/strategies';
import { floatFeed, GraphBuilder } from '../../fixtures/export-styles';
import { DET_MODEL, ppocrModel } from '../../fixtures/models';

const REG = 4;
const CLASSES = 3;

/** Backbone → two levels (16×16, 8×8), each with a box conv (4·REG) and a class conv, then v8's decode. */
function yoloV8Like(): { model: ReturnType<GraphBuilder['build']>; heads: string[] } {
  const b = new GraphBuilder({ opset: 13, weights: 'initializers' }, 21);
  const x = b.input('images', 'float32', ['batch', 3, 32, 32]);
  const f1 = b.op('Relu', [b.conv(x, 3, 8, 3, { stride: 2 })]);
  const f2 = b.op('Relu', [b.conv(f1, 8, 8, 3, { stride: 2 })]);
  const heads: string[] = [];
  const levels = [f1, f2].map((f) => {
    const box = b.conv(b.op('Relu', [b.conv(f, 8, 8, 3)]), 8, 4 * REG, 1);
    const cls = b.conv(b.op('Relu', [b.conv(f, 8, 8, 3)]), 8, CLASSES, 1);
    heads.push(box, cls);
    const joined = b.op('Concat', [box, cls], [attr.int('axis', 1)]);
    // The flattening target from the runtime batch, as a dynamic export writes it.
    const target = b.op('Concat', [b.unsqueeze(b.dim(joined, 0), [0]), b.ints([4 * REG + CLASSES]), b.ints([-1])], [attr.int('axis', 0)]);
    return b.op('Reshape', [joined, target]);
  });
  const anchorsCount = 16 * 16 + 8 * 8;
  const all = b.op('Concat', levels, [attr.int('axis', 2)]);
  const [boxPart, clsPart] = b.ops('Split', [all, b.ints([4 * REG, CLASSES])], [attr.int('axis', 1)], 2);
  const bins = b.op('Softmax', [b.op('Transpose', [b.op('Reshape', [boxPart, b.ints([-1, 4, REG, anchorsCount])])], [attr.ints('perm', [0, 2, 1, 3])])], [attr.int('axis', 1)]);
  const dfl = b.op('Conv', [bins, b.floats(Array.from({ length: REG }, (_, i) => i), [1, REG, 1, 1], 'dfl.weight')], [attr.ints('kernel_shape', [1, 1])]);
  const dist = b.op('Reshape', [dfl, b.ints([-1, 4, anchorsCount])]);
  const slice = (from: number, to: number) => b.op('Slice', [dist, b.ints([from]), b.ints([to]), b.ints([1])]);
  const anchors = b.floats(Array.from({ length: 2 * anchorsCount }, (_, i) => (i % 16) + 0.5), [1, 2, anchorsCount], 'anchors');
  const x1y1 = b.op('Sub', [anchors, slice(0, 2)]);
  const x2y2 = b.op('Add', [anchors, slice(2, 4)]);
  const centre = b.op('Div', [b.op('Add', [x1y1, x2y2]), b.floats([2], [], 'two')]);
  const strides = b.floats(Array.from({ length: anchorsCount }, (_, i) => (i < 256 ? 2 : 4)), [1, anchorsCount], 'strides');
  const boxes = b.op('Mul', [b.op('Concat', [centre, b.op('Sub', [x2y2, x1y1])], [attr.int('axis', 1)]), strides]);
  b.rename(b.op('Concat', [boxes, b.op('Sigmoid', [clsPart])], [attr.int('axis', 1)]), 'output0');
  b.output('output0', 'float32', ['batch', 4 + CLASSES, anchorsCount]);
  return { model: b.build('yolov8-like'), heads };
}

describe('distillation nodes of a YOLO-family detector', () => {
  it('are the per-level box and class convs before the concat and DFL decode', () => {
    const { model, heads } = yoloV8Like();
    expect(analyzeModel(model).family).toBe('detector');
    expect(yoloHeadMaps(model)).toEqual(heads);
    // Box (DFL) maps by l2 of their logits, class maps as the probabilities the head decodes them to.
    expect(autoDistillPairs(model)).toEqual(heads.map((h, i) => ({ student: h, teacher: h, loss: i % 2 ? 'sigmoid_l2' : 'l2', alpha: 1 })));
  });

  it('leave a DB text detector (one painted map, no Concat head) to the last-layer rule', () => {
    const det = readModel(ppocrModel(DET_MODEL));
    expect(yoloHeadMaps(det)).toBeUndefined();
    expect(autoDistillPairs(det)).toEqual(analyzeModel(det, 1).distillationNodes.map((n) => ({ student: n, teacher: n, loss: 'l2', alpha: 1 })));
  });

  it('train: QAT builds its gradient graph on those maps and runs an epoch', async () => {
    const { model, heads } = yoloV8Like();
    const set: SampleSet = { inputs: [{ name: 'images', dtype: 'float32', dims: [1, 3, 32, 32] }], samples: Array.from({ length: 8 }, (_, i) => [floatFeed([1, 3, 32, 32], 30 + i).data]) };
    const config = parseTrainConfig({ samples: 8, batchSize: 4, seed: 1, strategy: { kind: 'qat', params: { calibBatches: 2 } } });
    const run = await openTrainingRun(model, model, set, config);
    try {
      expect(run.trainer.pairs.map((p) => p.student)).toEqual(heads);
      const { losses } = await trainOneEpoch(run, 0);
      expect(losses).toHaveLength(2);
      expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    } finally {
      await run.trainer.release();
    }
  }, 60_000);
});

describe('the sigmoid_l2 distillation loss', () => {
  it('has the gradient of mean((σ(s) − σ(t))²) with respect to the student logits', async () => {
    const pairs = [{ student: 'probe', teacher: 'probe', loss: 'sigmoid_l2' }];
    const s = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i) * 3);
    const t = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i) * 3);
    const one = { irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: { name: 'id', node: [{ opType: 'Identity', input: ['x'], output: ['probe'], name: 'id', attribute: [] }], initializer: [], input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 3 }, { dimValue: 4 }] } } } }], output: [{ name: 'probe' }], valueInfo: [] } };
    const feeds = { x: { dtype: 'float32' as const, dims: [3, 4], data: s }, 'teacher::probe': { dtype: 'float32' as const, dims: [3, 4], data: t } };
    const tg = await buildTrainingGraph({ model: one, params: ['x'], extraInputs: [{ name: 'teacher::probe', dims: [3, 4] }], loss: (b) => emitDistillLoss(b, pairs, () => [3, 4]), sampleFeeds: feeds });
    const session = await ModelSession.create(encodeModel(tg.model));
    const out = await session.run(feeds);
    await session.release();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const loss = Array.from(s, (v, i) => (sig(v) - sig(t[i])) ** 2).reduce((a, b) => a + b, 0) / 12;
    expect((out[tg.loss].data as Float32Array)[0]).toBeCloseTo(loss, 5);
    const grad = out[tg.grads.x].data as Float32Array;
    s.forEach((v, i) => expect(grad[i]).toBeCloseTo((2 / 12) * (sig(v) - sig(t[i])) * sig(v) * (1 - sig(v)), 5));
  });
});
