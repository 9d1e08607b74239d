/**
 * Training benchmark on the PP-OCR models: the cost of one training step (forward + backward + update,
 * one onnxruntime run plus the JS optimizer) as a ratio of one FP32 forward pass of the same batch,
 * measured in the same run; QAT-distill on the hard case (recognizer, 4-bit per-channel weights, 8-bit
 * activations) against FP32 and the best PTQ; channel pruning 30% of the detector and the recognizer +
 * distillation (metric and measured speedup); unstructured 75% and 2:4 on the classifier + distillation.
 * Nothing is asserted: figures are printed. Sizes are small by default (2 shared cores); raise them with flags.
 *
 * On the zoo (installed by scripts/zoo-install.cjs): QAT on the MiniLM-L3 encoder against PTQ at the same
 * bits, cosine on held-out text and the share of PTQ's loss recovered (bench/train-encoder.ts); the YOLOv8n
 * detector's 8-bit QAT student against the PTQ pick by box F1 on held-out photos (bench/train-detector.ts).
 *
 * npm run bench:train [-- --json] [--only step,qat,prune,sparse,encoder,detector] [--train N] [--eval N] [--epochs E] [--qat-lr LR] [--prune-lr LR]
 *   [--prune det,rec] [--sparse sparse75,sparse24] [--sparse-epochs E] [--sparse-lr LR] [--distill-nodes K]
 *   [--distill-loss l2|soft_label] [--qat-clip mse|absmax] [--batch B] [--threads T] [--no-ptq]
 *   [--enc-bits 4] [--enc-seq 64] [--enc-train 64] [--enc-eval 64] [--enc-epochs 4] [--enc-batch 8] [--enc-lr 1e-4] [--enc-warmup 0]
 *   [--enc-qat '{json QAT params}'] [--enc-distill '{json distill config}']
 *   [--det-score 0.25] [--det-epochs 2] [--det-batch 4] [--det-lr 1e-5] [--det-warmup 0] [--det-calibrators abs_max,mse,KL] [--det-qat '{json}']
 */
import { iterateBatches } from '../core/data';
import { createTaskMetric } from '../core/metrics/tasks';
import { analyzeModel } from '../core/onnx/analysis';
import { readWeight } from '../core/onnx/graph';
import { encodeModel, readModel } from '../core/onnx/model-io';
import { prepareModel } from '../core/onnx/prepare';
import { Model } from '../core/onnx/proto';
import { collectRanges } from '../core/quant/collect';
import { planQuantization } from '../core/quant/plan';
import { emitQdq } from '../core/quant/qdq';
import { compareLatency } from '../core/runtime/compare-latency';
import { ModelSession } from '../core/runtime/session';
import { Tensor } from '../core/tensor';
import { parseTrainConfig, TrainConfigInput } from '../core/train/config';
import { batchAt } from '../core/train/epoch';
import { loadSampleSet, openTrainingRun, trainOneEpoch } from '../core/train/run';
import '../core/train/strategies';
import { CLS_MODEL, DET_MODEL, REC_MODEL, ppocrModel } from '../test/fixtures/models';
import { detectorQat } from './train-detector';
import { encoderQat } from './train-encoder';

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const only = (() => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? new Set(process.argv[i + 1].split(',')) : new Set(['step', 'qat', 'prune', 'sparse']);
})();
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const strArg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
/** Distillation settings shared by every run: automatic nodes, with the loss from the flags. */
const distillArgs = () => ({ nodes: arg('distill-nodes', 1), loss: strArg('distill-loss', 'l2') });

type Task = 'cls' | 'rec' | 'det';
const TASK_METRIC: Record<Task, string> = { cls: 'ocr-cls', rec: 'ocr-rec', det: 'ocr-det' };
const SHAPE: Record<Task, Record<string, unknown>> = { cls: {}, rec: {}, det: { width: 320, height: 320 } };
const FILE: Record<Task, string> = { cls: CLS_MODEL, rec: REC_MODEL, det: DET_MODEL };

const spec = (task: Task, count: number, seed: number) => ({ kind: 'rendered-textlines', task, count, seed, ...SHAPE[task] });

/** The task metric (points) of a model over an evaluation set; eval seeds never overlap training seeds. */
async function metricOf(model: Model, task: Task, count: number): Promise<number> {
  const meter = createTaskMetric(TASK_METRIC[task]);
  const session = await ModelSession.create(encodeModel(model), { threads: 1 });
  try {
    for await (const b of iterateBatches(spec(task, count, 9001), { batchSize: task === 'det' ? 2 : 8, inputName: 'x' })) {
      const out = await session.run(b.inputs);
      meter.update(Object.values(out)[0], b.labels ?? []);
    }
  } finally {
    await session.release();
  }
  return round(meter.value());
}

/**
 * Distill a student with a strategy for `epochs` epochs; the exported student before training (e = -1:
 * what the strategy alone gives, and the check that export is faithful) and after each epoch.
 */
async function distill(task: Task, teacher: Model, train: TrainConfigInput, epochs: number, onEpoch: (e: number, m: Model, loss: number) => Promise<void>): Promise<void> {
  const config = parseTrainConfig({ threads: arg('threads', 1), ...train });
  const set = await loadSampleSet(spec(task, config.samples, 77), config.samples, 'x');
  const run = await openTrainingRun(teacher, teacher, set, config);
  try {
    await onEpoch(-1, await run.strategy.exportModel(), NaN);
    for (let e = 0; e < epochs; e++) {
      const t0 = Date.now();
      const { losses } = await trainOneEpoch(run, e);
      const loss = losses.reduce((a, b) => a + b, 0) / losses.length;
      log(`  epoch ${e}: mean loss ${loss.toExponential(3)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await onEpoch(e, await run.strategy.exportModel(), loss);
    }
  } finally {
    await run.trainer.release();
  }
}

/** Share of exact zeros over all weights of the layers that have any (dense first and depthwise layers included). */
function zeroWeightShare(model: Model): number {
  let zeros = 0;
  let total = 0;
  for (const l of analyzeModel(model).quantizableLayers) {
    const w = readWeight(model.graph, l.weight);
    if (!w) continue;
    for (const v of w.data) if (v === 0) zeros++;
    total += w.data.length;
  }
  return total > 0 ? zeros / total : 0;
}

/** Step time / forward time on the same batch, in the same process. */
async function stepRatio(task: Task, batchSize: number): Promise<{ forwardMs: number; stepMs: number; ratio: number }> {
  const model = readModel(ppocrModel(FILE[task]));
  const config = parseTrainConfig({ samples: batchSize, batchSize, threads: 1, schedule: { kind: 'constant', lr: 1e-6 } });
  const set = await loadSampleSet(spec(task, batchSize, 5), batchSize, 'x');
  const feeds = batchAt(set, config, 0, 0);
  const run = await openTrainingRun(model, model, set, config);
  const fwd = await ModelSession.create(encodeModel(prepareModel(model).model), { threads: 1 });
  const reps = task === 'cls' ? 10 : 4;
  const f: number[] = [];
  const s: number[] = [];
  try {
    await fwd.run(feeds);
    await run.trainer.step(feeds, 1e-6);
    // Interleaved so that load from other processes hits both alike.
    for (let i = 0; i < reps; i++) {
      let t0 = performance.now();
      await fwd.run(feeds);
      f.push(performance.now() - t0);
      t0 = performance.now();
      await run.trainer.step(feeds, 1e-6);
      s.push(performance.now() - t0);
    }
  } finally {
    await fwd.release();
    await run.trainer.release();
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return { forwardMs: round(med(f)), stepMs: round(med(s)), ratio: round(med(s) / med(f)) };
}

/** The best PTQ at 4-bit per-channel weights / 8-bit activations, over calibrators, via the PTQ emitter. */
async function ptq4bit(model: Model, task: Task, calibCount: number, evalCount: number): Promise<{ metric: number; calibrator: string }> {
  let best = { metric: -Infinity, calibrator: '' };
  for (const calibrator of ['abs_max', 'avg', 'mse']) {
    const prepared = prepareModel(model).model;
    const plan = planQuantization(prepared, { perChannel: true });
    const batches = (async function* () { for await (const b of iterateBatches(spec(task, calibCount, 77), { batchSize: 8, inputName: 'x' })) yield b.inputs as Record<string, Tensor>; })();
    const ranges = await collectRanges(prepared, plan.activationTensors, batches, { calibrator, threads: 1 });
    const q = emitQdq(prepared, plan, ranges, { weightQmax: 7 });
    const metric = await metricOf(q, task, evalCount);
    log(`  PTQ w4a8 ${calibrator}: ${metric}`);
    if (metric > best.metric) best = { metric, calibrator };
  }
  return best;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const trainN = arg('train', 64);
  const evalN = arg('eval', 64);
  const epochs = arg('epochs', 2);
  const out: Record<string, unknown> = { settings: { trainSamples: trainN, evalSamples: evalN, epochs, trainThreads: arg('threads', 1) } };

  if (only.has('step')) {
    log('step cost (forward + backward + update) vs one FP32 forward, same batch:');
    const cls = await stepRatio('cls', 8);
    log(`  cls 8x3x48x192: forward ${cls.forwardMs} ms, step ${cls.stepMs} ms, ratio ${cls.ratio}`);
    const rec = await stepRatio('rec', 4);
    log(`  rec 4x3x48x320: forward ${rec.forwardMs} ms, step ${rec.stepMs} ms, ratio ${rec.ratio}`);
    const det = await stepRatio('det', 2);
    log(`  det 2x3x320x320: forward ${det.forwardMs} ms, step ${det.stepMs} ms, ratio ${det.ratio}`);
    out.stepToForwardRatio = cls.ratio;
    out.step = { cls, rec, det, peakRssMB: peakRssMB() };
  }

  if (only.has('qat')) {
    log('QAT-distill, recognizer, 4-bit per-channel weights / 8-bit activations:');
    const rec = readModel(ppocrModel(REC_MODEL));
    const fp32Metric = await metricOf(rec, 'rec', evalN);
    log(`  FP32: ${fp32Metric}`);
    // --no-ptq skips the PTQ baseline (exploratory runs); the recovered share is then not computed.
    const ptq = process.argv.includes('--no-ptq') ? { metric: NaN, calibrator: 'skipped' } : await ptq4bit(rec, 'rec', 32, evalN);
    const epochMetrics: number[] = [];
    let startMetric = NaN;
    const batchSize = arg('batch', 4);
    const qatSchedule = { kind: 'cosine' as const, lr: arg('qat-lr', 1e-4), totalSteps: epochs * Math.floor(trainN / batchSize) };
    const weightClip = strArg('qat-clip', 'mse');
    await distill('rec', rec, { samples: trainN, batchSize, strategy: { kind: 'qat', params: { weightBits: 4, calibBatches: 4, weightClip } }, schedule: qatSchedule, distill: distillArgs() }, epochs, async (e, m) => {
      const metric = await metricOf(m, 'rec', evalN);
      if (e < 0) startMetric = metric; else epochMetrics.push(metric);
      log(`  QAT ${e < 0 ? 'before training' : `epoch ${e}`}: ${metric}`);
    });
    // The student before training is itself a PTQ result (clipped weights, calibrated ranges): the best
    // PTQ is the better of it and the emitter's, so training is credited only with what training adds.
    const bestPtq = Math.max(ptq.metric, startMetric);
    const lost = fp32Metric - bestPtq;
    const recovered = lost > 0 && Number.isFinite(lost) ? round((100 * (Math.max(...epochMetrics) - bestPtq)) / lost, 1) : null;
    out.qat = { lr: qatSchedule.lr, schedule: 'cosine', samples: trainN, batchSize, epochs, weightClip, distill: distillArgs(), fp32Metric, ptqMetric: ptq.metric, ptqCalibrator: ptq.calibrator, startMetric, bestPtq, epochMetrics, recoveredPercent: recovered };
  }

  if (only.has('prune')) {
    const pruned: Record<string, unknown> = {};
    const tasks = (process.argv.includes('--prune') ? process.argv[process.argv.indexOf('--prune') + 1] : 'det,rec').split(',');
    for (const task of (['det', 'rec'] as const).filter((t) => tasks.includes(t))) {
      log(`channel pruning 30% + distillation, ${task}:`);
      const model = readModel(ppocrModel(FILE[task]));
      const fp32 = await metricOf(model, task, task === 'det' ? Math.min(evalN, 16) : evalN);
      let metric = NaN;
      let startMetric = NaN;
      let student: Model | undefined;
      const batchSize = task === 'det' ? 2 : arg('batch', 4);
      const schedule = { kind: 'cosine' as const, lr: arg('prune-lr', 1e-3), totalSteps: epochs * Math.floor(trainN / batchSize) };
      await distill(task, model, { samples: trainN, batchSize, strategy: { kind: 'channel-prune', params: { ratio: 0.3 } }, schedule, distill: distillArgs() }, epochs, async (e, m) => {
        student = m;
        metric = await metricOf(m, task, task === 'det' ? Math.min(evalN, 16) : evalN);
        if (e < 0) startMetric = metric;
        log(`  ${e < 0 ? 'pruned, before training' : `epoch ${e}`}: ${metric} (FP32 ${fp32})`);
      });
      const feeds = batchAt(await loadSampleSet(spec(task, 1, 3), 1, 'x'), parseTrainConfig({ samples: 1, batchSize: 1 }), 0, 0);
      // Both as deployed: the same lossless rewrites (BN/affine folding, ConvTranspose as conv) on each side.
      const [base, small] = await compareLatency([encodeModel(prepareModel(model).model), encodeModel(prepareModel(student!).model)], feeds, { threads: 1, rounds: task === 'det' ? 10 : 20 });
      const speedup = round(base.medianMs / small.medianMs);
      log(`  latency ${round(base.medianMs)} → ${round(small.medianMs)} ms (${speedup}x)`);
      pruned[task] = { lr: schedule.lr, batchSize, distill: distillArgs(), fp32Metric: fp32, startMetric, metric, metricDrop: round(fp32 - metric), speedup, baseMs: round(base.medianMs), prunedMs: round(small.medianMs) };
    }
    out.channelPrune = pruned;
  }

  if (only.has('sparse')) {
    const cls = readModel(ppocrModel(CLS_MODEL));
    const fp32 = await metricOf(cls, 'cls', evalN * 4);
    const sparseEpochs = arg('sparse-epochs', epochs);
    const totalSteps = sparseEpochs * Math.floor((trainN * 2) / 8);
    // Sparsity ramps up (GMP) over the first half of the run, re-masking about 20 times on the way;
    // the learning rate decays (cosine) so the last epochs settle instead of wandering.
    const rampSteps = Math.max(8, Math.floor(totalSteps / 2));
    const every = Math.max(1, Math.floor(rampSteps / 20));
    const schedule = { kind: 'cosine' as const, lr: arg('sparse-lr', 3e-4), totalSteps };
    const distillNodes = { nodes: arg('distill-nodes', 1) };
    const kinds = new Set((process.argv.includes('--sparse') ? process.argv[process.argv.indexOf('--sparse') + 1] : 'sparse75,sparse24').split(','));
    out.sparseSettings = { epochs: sparseEpochs, lr: schedule.lr, schedule: 'cosine', distillNodes: distillNodes.nodes, rampSteps, samples: trainN * 2 };
    for (const [key, strategy] of [['sparse75', { kind: 'unstructured', params: { ratio: 0.75, rampSteps, every } }], ['sparse24', { kind: 'semi-structured-2of4' }]] as const) {
      if (!kinds.has(key)) continue;
      log(`${key} + distillation, classifier:`);
      let metric = NaN;
      let zeros = NaN;
      await distill('cls', cls, { samples: trainN * 2, batchSize: 8, strategy, schedule, distill: distillNodes }, sparseEpochs, async (e, m) => {
        if (e < 0) return;
        metric = await metricOf(m, 'cls', evalN * 4);
        zeros = zeroWeightShare(m);
        log(`  epoch ${e}: ${metric} (FP32 ${fp32}), ${round(100 * zeros, 1)}% of layer weights are zero`);
      });
      out[key] = { cls: { fp32Metric: fp32, metric, metricDrop: round(fp32 - metric), zeroWeightShare: round(zeros, 3) } };
    }
  }
  if (only.has('encoder')) {
    const bits = arg('enc-bits', 4);
    log(`QAT-distill, MiniLM-L3 encoder, ${bits}-bit per-channel weights / 8-bit activations, cosine on held-out text:`);
    const qat = JSON.parse(strArg('enc-qat', '{}')) as Record<string, unknown>;
    const distill = process.argv.includes('--enc-distill') ? JSON.parse(strArg('enc-distill', '{}')) : undefined;
    out.encoder = await encoderQat({
      bits, seq: arg('enc-seq', 64), trainN: arg('enc-train', 64), evalN: arg('enc-eval', 64), epochs: arg('enc-epochs', 4),
      batch: arg('enc-batch', 8), lr: arg('enc-lr', 1e-4), warmup: arg('enc-warmup', 0), qat, distill, log,
    });
  }

  if (only.has('detector')) {
    log('QAT-distill, YOLOv8n 320 detector, int8, box F1 vs FP32 on held-out photos:');
    out.detector = await detectorQat({
      scoreThreshold: arg('det-score', 0.25), epochs: arg('det-epochs', 2), batch: arg('det-batch', 4), lr: arg('det-lr', 1e-5), warmup: arg('det-warmup', 0),
      calibrators: strArg('det-calibrators', 'abs_max,mse,KL').split(','), qat: JSON.parse(strArg('det-qat', '{}')) as Record<string, unknown>, log,
    });
  }

  out.peakRssMB = peakRssMB();
  if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
