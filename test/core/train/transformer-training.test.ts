// Training on the transformer-style graphs of the export-style fixtures: each builds its gradient
// graph (no op is missing), the whole-graph gradient matches finite differences of the loss, and QAT
// runs on the attention block with its int64 attention_mask passed through.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/data/rng';
import { encodeModel } from '../../../core/onnx/model-io';
import { Model } from '../../../core/onnx/proto';
import { ModelSession } from '../../../core/runtime/session';
import { Tensor } from '../../../core/tensor';
import { parseTrainConfig } from '../../../core/train/config';
import { batchAt, SampleSet } from '../../../core/train/epoch';
import { openTrainingRun, trainOneEpoch } from '../../../core/train/run';
import '../../../core/train/strategies';
import { attentionBlock, ExportStyle, floatFeed, geluMlp, int64Embedding, intFeed, layerNormGraph, StyledGraph } from '../../fixtures/export-styles';

/** `count` samples shaped like the fixture's feed, floats and int64 ids/masks drawn per sample. */
function sampleSet(g: StyledGraph, count: number): SampleSet {
  const inputs = Object.entries(g.feeds).map(([name, t]) => ({ name, dtype: t.dtype, dims: [1, ...t.dims.slice(1)] }));
  const samples = Array.from({ length: count }, (_, s) => inputs.map((i) => {
    const dims = i.dims;
    if (i.dtype === 'float32') return floatFeed(dims, 100 + s, 2).data;
    const max = i.name === 'input_ids' ? 50 : 2;
    const t = intFeed(dims, max, 200 + s);
    if (max === 2) t.data[0] = 1n; // every sample keeps a token
    return t.data;
  }));
  return { inputs, samples };
}

/** The student: the teacher with every float initializer nudged, so the distillation loss is not zero. */
function perturbed(model: Model, seed: number): Model {
  const rng = new Rng(seed);
  const copy: Model = JSON.parse(JSON.stringify(model, (_k, v) => (v instanceof Uint8Array ? { __bytes: [...v] } : v)), (_k, v) => (v && v.__bytes ? Uint8Array.from(v.__bytes) : v));
  for (const t of copy.graph.initializer) {
    if (t.dataType !== 1 || !t.rawData || t.rawData.length <= 4) continue; // weights, not the scalars of the formulas
    const f = new Float32Array(t.rawData.slice().buffer);
    for (let i = 0; i < f.length; i++) f[i] += 0.05 * rng.uniform(-1, 1);
    t.rawData = new Uint8Array(f.buffer);
  }
  return copy;
}

const STYLES: [string, ExportStyle][] = [['opset 13', { opset: 13, weights: 'initializers' }], ['opset 17', { opset: 17, weights: 'initializers' }]];
const GRAPHS: [string, (s: ExportStyle) => StyledGraph][] = [
  ['attention block', attentionBlock],
  ['LayerNorm (op at 17, decomposed at 13)', (s) => layerNormGraph(s, s.opset < 17)],
  ['Gelu MLP', geluMlp],
  ['int64 embedding', int64Embedding],
];

describe('training graphs of transformer blocks', () => {
  for (const [styleName, style] of STYLES) {
    for (const [name, make] of GRAPHS) {
      it(`${name}, ${styleName}: the whole-graph gradient matches finite differences of the loss`, async () => {
        const g = make(style);
        const set = sampleSet(g, 4);
        const config = parseTrainConfig({ samples: 4, batchSize: 2, seed: 1 });
        const run = await openTrainingRun(perturbed(g.model, 9), g.model, set, config);
        try {
          const batch = batchAt(set, config, 0, 0);
          const { loss, grads } = await run.trainer.lossAndGrads(batch);
          expect(loss).toBeGreaterThan(0);
          const rng = new Rng(5);
          let worst = 0;
          let checked = 0;
          for (const [p, gr] of Object.entries(grads)) {
            const w = run.trainer.params[p];
            let scale = 1e-4;
            gr.forEach((v) => { scale = Math.max(scale, Math.abs(v)); });
            for (let k = 0; k < 3; k++) {
              const j = rng.int(0, w.length - 1);
              const orig = w[j];
              const eps = 1e-2;
              w[j] = orig + eps; const up = (await run.trainer.lossAndGrads(batch)).loss;
              w[j] = orig - eps; const down = (await run.trainer.lossAndGrads(batch)).loss;
              w[j] = orig;
              worst = Math.max(worst, Math.abs((up - down) / (2 * eps) - gr[j]) / scale);
              if (process.env.GRAD_DEBUG) console.log(name, p, j, (up - down) / (2 * eps), gr[j], scale);
              checked++;
            }
          }
          expect(checked).toBeGreaterThanOrEqual(6);
          expect(worst).toBeLessThan(2e-2);
        } finally {
          await run.trainer.release();
        }
      }, 60_000);
    }
  }

  it('QAT starts on the attention block with its int64 mask, trains, and exports a QDQ model fed the same two inputs', async () => {
    const g = attentionBlock({ opset: 17, weights: 'initializers' });
    const set = sampleSet(g, 16);
    const config = parseTrainConfig({ samples: 16, batchSize: 4, seed: 2, strategy: { kind: 'qat', params: { weightBits: 8, calibBatches: 2 } }, schedule: { kind: 'constant', lr: 1e-3 } });
    const run = await openTrainingRun(g.model, g.model, set, config);
    let qdq: Model;
    try {
      const { losses } = await trainOneEpoch(run, 0);
      expect(losses).toHaveLength(4);
      expect(losses.every(Number.isFinite)).toBe(true);
      qdq = await run.strategy.exportModel();
    } finally {
      await run.trainer.release();
    }
    expect(qdq.graph.node.some((n) => n.opType === 'QuantizeLinear')).toBe(true);
    const feeds: Record<string, Tensor> = batchAt(set, config, 0, 0);
    expect(feeds.attention_mask.dtype).toBe('int64');
    const s = await ModelSession.create(encodeModel(qdq));
    const out = (await s.run(feeds)).y;
    await s.release();
    expect(out.dims).toEqual([4, 5, 8]);
    expect(Array.from(out.data as Float32Array).every(Number.isFinite)).toBe(true);
  }, 60_000);
});

describe('a distillation pair on an integer tensor', () => {
  it('is refused naming the tensor and the key', async () => {
    const g = attentionBlock({ opset: 17, weights: 'initializers' });
    const set = sampleSet(g, 4);
    const config = parseTrainConfig({ samples: 4, batchSize: 2, distill: { pairs: [{ student: 'attention_mask' }] } });
    const e = await openTrainingRun(g.model, g.model, set, config).then(() => undefined, (err: Error & { path?: string }) => err);
    expect(e?.message).toMatch(/distillation tensor "attention_mask" is int64; only float32 tensors can be distilled/);
    expect(e?.path).toBe('Distillation.node');
  });
});
