import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../core/onnx/analysis';
import { readWeight } from '../../../core/onnx/graph';
import { readModel } from '../../../core/onnx/model-io';
import { Model } from '../../../core/onnx/proto';
import { sparsityOf } from '../../../core/sparsity/masks';
import { parseTrainConfig } from '../../../core/train/config';
import { loadSampleSet, openTrainingRun, trainOneEpoch } from '../../../core/train/run';
import '../../../core/train/strategies';
import { CLS_MODEL, ppocrModel } from '../../fixtures/models';

const data = { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 51 };

async function trainWith(strategy: Record<string, unknown>): Promise<Model> {
  const config = parseTrainConfig({ samples: 8, batchSize: 4, seed: 1, strategy, schedule: { kind: 'constant', lr: 1e-3 } });
  const model = readModel(ppocrModel(CLS_MODEL));
  const set = await loadSampleSet(data, 8, 'x');
  const run = await openTrainingRun(model, model, set, config);
  const { losses } = await trainOneEpoch(run, 0);
  await run.trainer.release();
  expect(losses.every(Number.isFinite)).toBe(true);
  return run.strategy.exportModel();
}

const layerWeights = (m: Model) => analyzeModel(m).quantizableLayers.filter((l) => l.params >= 256)
  .map((l) => ({ ...l, w: readWeight(m.graph, l.weight)! }));

describe('sparse and pruned students, distilled', () => {
  it('unstructured 75%: large non-depthwise layers keep 75% zeros after training steps', async () => {
    const out = await trainWith({ kind: 'unstructured', params: { ratio: 0.75 } });
    const sparse = layerWeights(out).filter((l) => l.opType !== 'Conv' || l.weightShape[1] > 1);
    expect(sparse.length).toBeGreaterThan(5);
    for (const l of sparse) expect(sparsityOf(l.w.data)).toBeGreaterThanOrEqual(0.75);
  });
  it("GMP (the config's default prune_strategy) starts dense and reaches the target at the ramp's end; base prunes at once", async () => {
    const open = async (params: Record<string, unknown>) => {
      const config = parseTrainConfig({ samples: 8, batchSize: 4, seed: 1, strategy: { kind: 'unstructured', params }, schedule: { kind: 'constant', lr: 1e-3 } });
      const model = readModel(ppocrModel(CLS_MODEL));
      return openTrainingRun(model, model, await loadSampleSet(data, 8, 'x'), config);
    };
    const meanSparsity = (m: Model) => {
      const ls = layerWeights(m).filter((l) => l.opType !== 'Conv' || l.weightShape[1] > 1);
      return ls.reduce((a, l) => a + sparsityOf(l.w.data), 0) / ls.length;
    };
    const gmp = await open({ ratio: 0.75, rampShare: 0.5 });
    const atStart = meanSparsity(await gmp.strategy.exportModel());
    await trainOneEpoch(gmp, 0);
    const atEnd = meanSparsity(await gmp.strategy.exportModel());
    await gmp.trainer.release();
    const base = await open({ ratio: 0.75 });
    const baseStart = meanSparsity(await base.strategy.exportModel());
    await base.trainer.release();
    expect(atStart).toBeLessThan(0.05);
    expect(atEnd).toBeGreaterThanOrEqual(0.75);
    expect(baseStart).toBeGreaterThanOrEqual(0.75);
  });
  it('2:4: every group of four input channels keeps at most two weights', async () => {
    const out = await trainWith({ kind: 'semi-structured-2of4' });
    const convs = layerWeights(out).filter((l) => l.opType === 'Conv' && l.weightShape[1] % 4 === 0);
    expect(convs.length).toBeGreaterThan(5);
    for (const l of convs) {
      const [o, c, kh, kw] = l.weightShape;
      const inner = kh * kw;
      for (let a = 0; a < o; a++) for (let k = 0; k < inner; k++) for (let g = 0; g < c; g += 4) {
        let nz = 0;
        for (let j = 0; j < 4; j++) if (l.w.data[(a * c + g + j) * inner + k] !== 0) nz++;
        expect(nz).toBeLessThanOrEqual(2);
      }
    }
  });
  it('channel pruning 30% trains a structurally smaller student', async () => {
    const before = analyzeModel(readModel(ppocrModel(CLS_MODEL))).paramCount;
    const out = await trainWith({ kind: 'channel-prune', params: { ratio: 0.3 } });
    expect(analyzeModel(out).paramCount).toBeLessThan(before * 0.9);
  });
});
