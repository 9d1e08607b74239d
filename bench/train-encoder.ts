/**
 * QAT on a transformer (the zoo's MiniLM-L3 sentence encoder) against PTQ at the same bits: mean
 * cosine of the sentence embedding to FP32's on held-out text (licences the training never reads),
 * and the share of what PTQ lost that training wins back: (QAT − PTQ) / (FP32 − PTQ).
 * Called from bench/train.ts (`--only encoder`).
 */
import * as path from 'node:path';
import { feedBatches } from '../core/feed-data';
import { FeedInput } from '../core/feed';
import { readModel } from '../core/onnx/model-io';
import { prepareModel } from '../core/onnx/prepare';
import { Model } from '../core/onnx/proto';
import { collectRanges } from '../core/quant/collect';
import { planQuantization } from '../core/quant/plan';
import { emitQdq } from '../core/quant/qdq';
import { Tensor } from '../core/tensor';
import { parseTrainConfig, TrainConfigInput } from '../core/train/config';
import { loadSampleSet, openTrainingRun, trainOneEpoch } from '../core/train/run';
import '../core/train/strategies';
import { ROOT } from '../test/fixtures/zoo';
import { outputsOf } from './model-outputs';

const MODEL = path.join(ROOT, '.tools/zoo/models/minilm-l3.onnx');
const TOKENIZER = path.join(ROOT, '.tools/zoo/data/text/tokenizer.json');
const OUTPUT = '461';
const LICENCES = '/usr/share/common-licenses';
/**
 * Training text: the zoo config's calibration files, then licences that share no text with the
 * held-out ones (the GPL/LGPL family is left out), read in this order up to the sample count.
 * Held-out text: the zoo config's evaluation files.
 */
const TRAIN_FILES = ['Apache-2.0', 'MPL-2.0', 'Artistic', 'CC0-1.0', 'MPL-1.1', 'GFDL-1.3', 'BSD'].map((f) => path.join(LICENCES, f));
const EVAL_FILES = ['GPL-3', 'LGPL-2.1'].map((f) => path.join(LICENCES, f));

export interface EncoderBenchOptions {
  bits: number;
  seq: number;
  trainN: number;
  evalN: number;
  epochs: number;
  batch: number;
  lr: number;
  warmup: number;
  /** QAT strategy parameters on top of weightBits. */
  qat: Record<string, unknown>;
  /** Distillation settings: omitted means the compile default (the embedding output). */
  distill?: TrainConfigInput['distill'];
  log: (msg: string) => void;
}

const inputsAt = (batch: number, seq: number): FeedInput[] => ['input_ids', 'attention_mask'].map((name) => ({ name, dtype: 'int64', shape: [batch, seq] }));
const textSpec = (files: string[], seq: number, count: number) => ({ kind: 'text', files, tokenizer: TOKENIZER, max_length: seq, count });

/** Mean cosine (×100) of each row of `out` to the same row of `ref`. */
function meanCosine(ref: Float32Array[], out: Float32Array[], dim: number): number {
  let sum = 0;
  let n = 0;
  ref.forEach((r, b) => {
    const o = out[b];
    for (let off = 0; off < r.length; off += dim) {
      let ab = 0, aa = 0, bb = 0;
      for (let j = 0; j < dim; j++) { ab += r[off + j] * o[off + j]; aa += r[off + j] ** 2; bb += o[off + j] ** 2; }
      sum += ab / Math.sqrt(aa * bb || 1);
      n++;
    }
  });
  return (100 * sum) / n;
}

const embed = async (model: Model, batches: Record<string, Tensor>[]): Promise<Float32Array[]> => (await outputsOf(model, batches, OUTPUT)).map((t) => t.data as Float32Array);

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export async function encoderQat(o: EncoderBenchOptions): Promise<Record<string, unknown>> {
  const teacher = readModel(MODEL);
  const evalBatches: Record<string, Tensor>[] = [];
  for await (const b of feedBatches(textSpec(EVAL_FILES, o.seq, o.evalN), inputsAt(8, o.seq), { batchSize: 8, limit: o.evalN })) evalBatches.push(b.inputs);
  const calibBatches: Record<string, Tensor>[] = [];
  for await (const b of feedBatches(textSpec(TRAIN_FILES, o.seq, o.trainN), inputsAt(8, o.seq), { batchSize: 8, limit: o.trainN })) calibBatches.push(b.inputs);
  const ref = await embed(teacher, evalBatches);
  const dim = ref[0].length / evalBatches[0].input_ids.dims[0];
  const score = async (m: Model) => round(meanCosine(ref, await embed(m, evalBatches), dim), 3);
  const weightQmax = 2 ** (o.bits - 1) - 1;

  // PTQ at the same bits: the emitter over calibrators, calibrated on the training text.
  const ptq: Record<string, number> = {};
  for (const calibrator of ['abs_max', 'avg', 'mse', 'KL']) {
    const prepared = prepareModel(teacher).model;
    const plan = planQuantization(prepared, { perChannel: true });
    const ranges = await collectRanges(prepared, plan.activationTensors, (async function* () { yield* calibBatches; })(), { calibrator, threads: 1 });
    ptq[calibrator] = await score(emitQdq(prepared, plan, ranges, { weightQmax }));
    o.log(`  PTQ w${o.bits}a8 ${calibrator}: ${ptq[calibrator]}`);
  }
  const bestPtq = Math.max(...Object.values(ptq));

  const steps = Math.floor(o.trainN / o.batch);
  const config = parseTrainConfig({
    samples: o.trainN, batchSize: o.batch, seed: 1, threads: 1,
    schedule: { kind: 'cosine', lr: o.lr, totalSteps: o.epochs * steps, warmupSteps: o.warmup },
    strategy: { kind: 'qat', params: { weightBits: o.bits, ...o.qat } },
    distill: o.distill ?? { pairs: [{ student: OUTPUT, loss: 'l2' }] },
  });
  const set = await loadSampleSet(textSpec(TRAIN_FILES, o.seq, o.trainN), o.trainN, inputsAt(1, o.seq));
  const run = await openTrainingRun(teacher, teacher, set, config);
  const epochMetrics: number[] = [];
  const epochLosses: number[] = [];
  let startMetric = NaN;
  try {
    startMetric = await score(await run.strategy.exportModel());
    o.log(`  QAT before training: ${startMetric}`);
    for (let e = 0; e < o.epochs; e++) {
      const t0 = Date.now();
      const { losses } = await trainOneEpoch(run, e);
      const loss = losses.reduce((a, b) => a + b, 0) / losses.length;
      epochLosses.push(loss);
      const m = await score(await run.strategy.exportModel());
      epochMetrics.push(m);
      o.log(`  QAT epoch ${e}: loss ${loss.toExponential(3)}, cosine ${m} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await run.trainer.release();
  }
  const fp32 = 100;
  const last = epochMetrics[epochMetrics.length - 1];
  // The student before training is itself a PTQ result (clipped, bias-corrected weights; calibrated
  // ranges): training is credited only with what it adds over the better of that and the emitter's best.
  const baseline = Math.max(bestPtq, startMetric);
  const recovered = (m: number) => round((100 * (m - baseline)) / (fp32 - baseline), 1);
  return {
    bits: o.bits, seq: o.seq, trainSamples: o.trainN, evalSamples: o.evalN, epochs: o.epochs, batch: o.batch, lr: o.lr, warmup: o.warmup,
    qat: o.qat, chosen: run.strategy.describe?.(), distill: config.distill, ptq, bestPtq, startMetric, baseline, epochMetrics, epochLosses, last,
    // The held-out text judges the last epoch only: picking the best epoch on it would tune on the test.
    recoveredPercent: recovered(last),
    recoveredOverEmitterPercent: round((100 * (last - bestPtq)) / (fp32 - bestPtq), 1),
  };
}
