import { describe, expect, it } from 'vitest';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { ModelSession } from '../../../core/runtime/session';
import { parseTrainConfig } from '../../../core/train/config';
import { batchAt } from '../../../core/train/epoch';
import { loadSampleSet, openTrainingRun, trainOneEpoch } from '../../../core/train/run';
import '../../../core/train/strategies';
import { CLS_MODEL, ppocrModel } from '../../fixtures/models';

describe('QAT with distillation on the PP-OCR classifier', () => {
  it('trains through fake quantizers, tracks ranges, and exports the PTQ QDQ format that still agrees with the teacher', async () => {
    // Ranges tracked by moving average (what abs_max calibration implies; 'auto' may pick a clipping calibrator and freeze them).
    const config = parseTrainConfig({ samples: 16, batchSize: 4, seed: 3, strategy: { kind: 'qat', params: { weightBits: 8, calibBatches: 2, rangeTracking: 'minmax' } }, schedule: { kind: 'constant', lr: 1e-4 } });
    const model = readModel(ppocrModel(CLS_MODEL));
    const set = await loadSampleSet({ kind: 'rendered-textlines', task: 'cls', count: 16, seed: 41 }, 16, 'x');
    const run = await openTrainingRun(model, model, set, config);
    const before = run.strategy.extraState();
    const { losses } = await trainOneEpoch(run, 0);
    await run.trainer.release();
    expect(losses.every(Number.isFinite)).toBe(true);
    // The moving average moved at least one activation range.
    const after = run.strategy.extraState();
    expect(Object.keys(after).some((k) => after[k][1] !== before[k][1])).toBe(true);

    const qdq = await run.strategy.exportModel();
    const ops = new Set(qdq.graph.node.map((n) => n.opType));
    expect(ops.has('QuantizeLinear') && ops.has('DequantizeLinear')).toBe(true);
    const student = await ModelSession.create(encodeModel(qdq));
    const teacher = await ModelSession.create(encodeModel(model));
    let agree = 0;
    let total = 0;
    for (let s = 0; s < 4; s++) {
      const feeds = batchAt(set, config, 0, s);
      const a = Object.values(await student.run(feeds))[0].data;
      const b = Object.values(await teacher.run(feeds))[0].data;
      for (let i = 0; i < a.length; i += 2) { total++; if ((a[i] > a[i + 1]) === (b[i] > b[i + 1])) agree++; }
    }
    await student.release();
    await teacher.release();
    expect(agree / total).toBeGreaterThanOrEqual(0.8);
  });
});
