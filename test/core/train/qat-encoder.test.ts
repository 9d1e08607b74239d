// QAT on the small encoder of the typed-feed tests (Gather embedding of int64 ids, masked MatMul
// projection, mean over tokens) at 4-bit weights: distillation on its sentence embedding lowers the
// loss, and the exported QDQ model is closer (cosine) to FP32 on held-out token sequences than the
// student QAT starts from. Fixed seed and cosine-decayed learning rate; no timing.
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../../core/onnx/model-io';
import { Model } from '../../../core/onnx/proto';
import { ModelSession } from '../../../core/runtime/session';
import { Tensor } from '../../../core/tensor';
import { parseTrainConfig } from '../../../core/train/config';
import { batchAt, SampleSet } from '../../../core/train/epoch';
import { openTrainingRun, trainOneEpoch } from '../../../core/train/run';
import '../../../core/train/strategies';
import { encoder, OUT, SEQ, tokens } from '../../fixtures/encoder';

/** `n` token sequences as a training set: one [1, SEQ] int64 array per input per sample. */
function tokenSet(n: number, seed: number): SampleSet {
  const t = tokens(n, seed);
  const per = (x: Tensor, s: number) => (x.data as BigInt64Array).slice(s * SEQ, (s + 1) * SEQ);
  return {
    inputs: ['input_ids', 'attention_mask'].map((name) => ({ name, dtype: 'int64' as const, dims: [1, SEQ] })),
    samples: Array.from({ length: n }, (_, s) => [per(t.input_ids, s), per(t.attention_mask, s)]),
  };
}

/** Mean cosine of each sentence embedding to FP32's over held-out sequences. */
async function cosineToTeacher(student: Model, teacher: Model, feeds: Record<string, Tensor>): Promise<number> {
  const run = async (m: Model) => {
    const s = await ModelSession.create(encodeModel(m));
    try { return (await s.run(feeds, ['sentence_embedding'])).sentence_embedding.data as Float32Array; } finally { await s.release(); }
  };
  const [a, b] = [await run(student), await run(teacher)];
  let sum = 0;
  const rows = a.length / OUT;
  for (let r = 0; r < rows; r++) {
    let ab = 0, aa = 0, bb = 0;
    for (let j = r * OUT; j < (r + 1) * OUT; j++) { ab += a[j] * b[j]; aa += a[j] * a[j]; bb += b[j] * b[j]; }
    sum += ab / Math.sqrt(aa * bb);
  }
  return sum / rows;
}

const LR = 1e-2;
const EPOCHS = 30;

describe('QAT on the encoder fixture', () => {
  it('4-bit weights: distillation lowers the loss and brings the exported QDQ model closer to FP32 on held-out sequences', async () => {
    const teacher = encoder();
    const set = tokenSet(32, 5);
    const config = parseTrainConfig({
      samples: 32, batchSize: 8, seed: 7,
      schedule: { kind: 'cosine', lr: LR, totalSteps: EPOCHS * 4 },
      strategy: { kind: 'qat', params: { weightBits: 4, calibBatches: 2, weightClip: 'absmax', biasCorrection: false } },
      distill: { pairs: [{ student: 'sentence_embedding' }] },
    });
    const held = tokens(24, 11);
    const run = await openTrainingRun(teacher, teacher, set, config);
    // The distillation loss over the whole training set, evaluated (ranges not moved by it).
    const setLoss = async () => {
      let sum = 0;
      for (let s = 0; s < 4; s++) sum += (await run.trainer.lossAndGrads(batchAt(set, config, 0, s), false)).loss;
      return sum / 4;
    };
    let startLoss: number, endLoss: number, start: number, end: number;
    expect(run.strategy.describe?.()).toMatchObject({ calibrator: expect.stringMatching(/^(abs_max|mse|KL)$/) });
    try {
      startLoss = await setLoss();
      start = await cosineToTeacher(await run.strategy.exportModel(), teacher, held);
      for (let e = 0; e < EPOCHS; e++) {
        const { losses } = await trainOneEpoch(run, e);
        expect(losses.every(Number.isFinite)).toBe(true);
      }
      endLoss = await setLoss();
      end = await cosineToTeacher(await run.strategy.exportModel(), teacher, held);
    } finally {
      await run.trainer.release();
    }
    // 4-bit weights start visibly off FP32 (else there would be nothing to recover) …
    expect(start).toBeLessThan(0.999);
    // … training lowers the distillation loss by more than a third and wins back more than a third of the
    // lost cosine (measured on this CPU: loss 0.44x, 73 % of the cosine recovered).
    expect(endLoss).toBeLessThan(0.67 * startLoss);
    expect(end).toBeGreaterThan(start + (1 - start) / 3);
  }, 120_000);
});

describe("QAT's start ranges", () => {
  const set = tokenSet(16, 3);
  const qat = (params: Record<string, unknown>) => parseTrainConfig({
    samples: 16, batchSize: 8, seed: 2, schedule: { kind: 'constant', lr: 1e-3 },
    strategy: { kind: 'qat', params: { weightBits: 4, calibBatches: 2, ...params } }, distill: { pairs: [{ student: 'sentence_embedding' }] },
  });
  /** The start loss over both batches, the choices made, and the ranges before and after one epoch. */
  async function opened(params: Record<string, unknown>) {
    const config = qat(params);
    const run = await openTrainingRun(encoder(), encoder(), set, config);
    try {
      let loss = 0;
      for (let s = 0; s < 2; s++) loss += (await run.trainer.lossAndGrads(batchAt(set, config, 0, s), false)).loss;
      const before = run.strategy.extraState();
      await trainOneEpoch(run, 0);
      const after = run.strategy.extraState();
      const moved = Object.keys(before).some((k) => before[k][0] !== after[k][0] || before[k][1] !== after[k][1]);
      return { loss, describe: run.strategy.describe?.(), moved };
    } finally {
      await run.trainer.release();
    }
  }

  it("'auto' starts from the calibrator whose ranges distil best; a clipping calibrator's ranges stay frozen, min/max ones are tracked", async () => {
    const each = { abs_max: await opened({ calibrator: 'abs_max' }), mse: await opened({ calibrator: 'mse' }), KL: await opened({ calibrator: 'KL' }) };
    const auto = await opened({});
    const best = (Object.keys(each) as (keyof typeof each)[]).reduce((a, b) => (each[b].loss < each[a].loss ? b : a));
    expect(auto.describe).toMatchObject({ calibrator: best, rangeTracking: best === 'abs_max' ? 'minmax' : 'frozen' });
    expect(auto.loss).toBeCloseTo(each[best].loss, 9);
    expect(each.abs_max.moved).toBe(true);
    expect(each.mse.moved).toBe(false);
    expect(each.KL.moved).toBe(false);
    expect((await opened({ calibrator: 'KL', rangeTracking: 'minmax' })).moved).toBe(true);
  }, 60_000);

  it("clips weights and corrects biases below 8 bits only, unless told (the PTQ emitter's abs-max start at 8)", async () => {
    expect((await opened({ calibrator: 'abs_max' })).describe).toMatchObject({ weightClip: 'mse', biasCorrection: true });
    expect((await opened({ calibrator: 'abs_max', weightBits: 8 })).describe).toMatchObject({ weightClip: 'absmax', biasCorrection: false });
    expect((await opened({ calibrator: 'abs_max', weightBits: 8, weightClip: 'mse', biasCorrection: true })).describe).toMatchObject({ weightClip: 'mse', biasCorrection: true });
  }, 60_000);
});
