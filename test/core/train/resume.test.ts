import { describe, expect, it } from 'vitest';
import { readModel } from '../../../core/onnx/model-io';
import { decodeCheckpoint, encodeCheckpoint, Checkpoint } from '../../../core/train/checkpoint';
import { parseTrainConfig } from '../../../core/train/config';
import { loadSampleSet, openTrainingRun, resumeRun, trainOneEpoch } from '../../../core/train/run';
import { CLS_MODEL, ppocrModel } from '../../fixtures/models';

const config = parseTrainConfig({ samples: 12, batchSize: 4, checkpointEvery: 1, seed: 5, schedule: { kind: 'constant', lr: 1e-3 } });
const data = { kind: 'rendered-textlines', task: 'cls', count: 12, seed: 21 };

describe('distillation training on the PP-OCR classifier', () => {
  it('starts at zero loss (student = teacher) and resumes bit-exactly from a mid-epoch checkpoint', async () => {
    const model = readModel(ppocrModel(CLS_MODEL));
    const set = await loadSampleSet(data, 12, 'x');
    const a = await openTrainingRun(model, model, set, config);
    const first = await a.trainer.lossAndGrads({ x: { dtype: 'float32', dims: [4, ...set.inputs[0].dims.slice(1)], data: new Float32Array(4 * set.samples[0][0].length).fill(0.1) } });
    expect(first.loss).toBeLessThan(1e-8);
    const saved: Checkpoint[] = [];
    const full = await trainOneEpoch(a, 0, undefined, { onCheckpoint: async (c) => { saved.push(decodeCheckpoint(encodeCheckpoint(c))); } });
    await a.trainer.release();
    expect(full.losses.length).toBe(3);
    expect(full.losses[2]).toBeGreaterThan(0);
    expect(saved.map((c) => c.step)).toEqual([1, 2]);

    // A fresh run (another "worker") continues from the step-1 checkpoint and must land on the same weights.
    const b = await openTrainingRun(model, model, set, config);
    resumeRun(b, saved[0]);
    const resumed = await trainOneEpoch(b, 0, saved[0]);
    await b.trainer.release();
    expect(resumed.losses).toEqual(full.losses);
    expect(Buffer.from(encodeCheckpoint(resumed.end))).toEqual(Buffer.from(encodeCheckpoint(full.end)));
  });
});
