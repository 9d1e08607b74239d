/**
 * The detector's QAT student against its PTQ pick (the zoo's YOLOv8n 320 from nudenet), judged by box
 * F1 against FP32's boxes. The zoo's eval photos give FP32 two boxes, so this reads many more real
 * photos: the opencv-doc Debian package zoo-install already caches (tutorial pictures: faces, people),
 * unpacked into .tools/zoo/scratch (nothing downloaded). Of those, the photos where FP32 finds at least
 * one box are kept (chosen by the teacher alone, never by a student), split by name into a training and
 * a held-out half. Called from bench/train.ts (`--only detector`).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { feedBatches } from '../core/feed-data';
import { FeedInput } from '../core/feed';
import { createTaskMeter } from '../core/metrics/task-meters/registry';
import { decodeYolo } from '../core/metrics/task-meters/yolo';
import { readModel } from '../core/onnx/model-io';
import { prepareModel } from '../core/onnx/prepare';
import { Model } from '../core/onnx/proto';
import { collectRanges } from '../core/quant/collect';
import { planQuantization } from '../core/quant/plan';
import { emitQdq } from '../core/quant/qdq';
import { Tensor } from '../core/tensor';
import { parseTrainConfig } from '../core/train/config';
import { loadSampleSet, openTrainingRun, trainOneEpoch } from '../core/train/run';
import '../core/train/strategies';
import { ROOT } from '../test/fixtures/zoo';
import { outputsOf } from './model-outputs';

const ZOO = path.join(ROOT, '.tools/zoo');
const MODEL = path.join(ZOO, 'models/yolov8n-320.onnx');
const DEB = 'opencv-doc_4.6.0+dfsg-12_all.deb';
/** As configs/zoo/yolov8n-320.yaml reads photos. */
const PREPROCESS = { height: 320, width: 320, resize: 'letterbox', pad_value: 114, channelOrder: 'RGB', scale: 1 / 255 };
const INPUT = 'images';
const OUTPUT = 'output0';

export interface DetectorBenchOptions {
  /** Score threshold of the box F1 (the zoo config's is 0.25). */
  scoreThreshold: number;
  epochs: number;
  batch: number;
  lr: number;
  warmup: number;
  /** PTQ calibrators tried; the best on the held-out photos is the PTQ pick. */
  calibrators: string[];
  qat: Record<string, unknown>;
  log: (msg: string) => void;
}

/** Every photo of the cached opencv-doc package (≥ 20 kB jpg/png), unpacked once. */
function opencvPhotos(): string[] {
  const deb = path.join(ZOO, 'cache', DEB);
  if (!fs.existsSync(deb)) throw new Error(`${deb} is missing: run node scripts/zoo-install.cjs first`);
  const dir = path.join(ZOO, 'scratch', 'opencv-doc');
  if (!fs.existsSync(path.join(dir, 'usr'))) {
    fs.mkdirSync(dir, { recursive: true });
    const r = spawnSync('dpkg-deb', ['-x', deb, dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`dpkg-deb -x ${deb}: ${r.stderr}`);
  }
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(jpe?g|png)$/i.test(e.name) && fs.statSync(p).size >= 20_000) out.push(p);
    }
  };
  walk(path.join(dir, 'usr/share/doc/opencv-doc'));
  return out.sort();
}

/** A folder of links to `files` (the images reader takes a folder), named so that their order is kept. */
function linkDir(name: string, files: string[]): string {
  const dir = path.join(ZOO, 'scratch', name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  files.forEach((f, i) => fs.symlinkSync(f, path.join(dir, `${String(i).padStart(4, '0')}${path.extname(f).toLowerCase()}`)));
  return dir;
}

const spec = (dir: string) => ({ kind: 'images', dir, preprocess: PREPROCESS });
const feedAt = (batch: number): FeedInput[] => [{ name: INPUT, dtype: 'float32', shape: [batch, 3, 320, 320] }];

async function readBatches(dir: string, batch: number): Promise<Record<string, Tensor>[]> {
  const out: Record<string, Tensor>[] = [];
  for await (const b of feedBatches(spec(dir), feedAt(batch), { batchSize: batch })) out.push(b.inputs);
  return out;
}

const outputs = (model: Model, batches: Record<string, Tensor>[]) => outputsOf(model, batches, OUTPUT);

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export async function detectorQat(o: DetectorBenchOptions): Promise<Record<string, unknown>> {
  const teacher = readModel(MODEL);
  const decode = { format: 'yolov8' as const, score_threshold: o.scoreThreshold, iou_threshold: 0.45, max_detections: 300 };
  // The teacher's boxes per photo, at the threshold the F1 uses: photos it finds nothing in say nothing about fidelity.
  const all = opencvPhotos();
  const probe = await readBatches(linkDir('detector-all', all), 1);
  const boxes = (await outputs(teacher, probe)).map((t) => decodeYolo(t, decode)[0].length);
  const kept = all.filter((_, i) => boxes[i] > 0);
  // Alternate by name: tutorials repeat a picture under near names, so neighbours land on both sides alike.
  const train = kept.filter((_, i) => i % 2 === 0);
  const held = kept.filter((_, i) => i % 2 === 1);
  o.log(`  ${all.length} photos, FP32 finds boxes in ${kept.length} (${boxes.reduce((a, b) => a + b, 0)} boxes at score ${o.scoreThreshold}); ${train.length} train, ${held.length} held out`);
  const evalBatches = await readBatches(linkDir('detector-eval', held), 8);
  const ref = await outputs(teacher, evalBatches);
  const f1 = async (m: Model) => {
    const meter = createTaskMeter('detection', decode);
    (await outputs(m, evalBatches)).forEach((t, i) => meter.update(t, ref[i]));
    const r = meter.result();
    return { boxF1: round(r.score), teacherBoxes: r.details!.teacherBoxes, studentBoxes: r.details!.studentBoxes };
  };
  const trainDir = linkDir('detector-train', train);
  const calib = await readBatches(trainDir, 8);

  const ptq: Record<string, number> = {};
  for (const calibrator of o.calibrators) {
    const prepared = prepareModel(teacher).model;
    const plan = planQuantization(prepared, { perChannel: true });
    const ranges = await collectRanges(prepared, plan.activationTensors, (async function* () { yield* calib; })(), { calibrator, threads: 1 });
    ptq[calibrator] = (await f1(emitQdq(prepared, plan, ranges))).boxF1;
    o.log(`  PTQ int8 ${calibrator}: box F1 ${ptq[calibrator]}`);
  }
  const bestPtq = Math.max(...Object.values(ptq));

  const trainN = train.length - (train.length % o.batch);
  const steps = trainN / o.batch;
  const config = parseTrainConfig({
    samples: trainN, batchSize: o.batch, seed: 1, threads: 1,
    schedule: { kind: 'cosine', lr: o.lr, totalSteps: Math.max(1, o.epochs * steps), warmupSteps: o.warmup },
    strategy: { kind: 'qat', params: { weightBits: 8, ...o.qat } },
  });
  const set = await loadSampleSet(spec(trainDir), trainN, feedAt(1));
  const run = await openTrainingRun(teacher, teacher, set, config);
  const epochs: { loss: number; boxF1: number }[] = [];
  let start: Awaited<ReturnType<typeof f1>>;
  try {
    start = await f1(await run.strategy.exportModel());
    o.log(`  QAT start: ${JSON.stringify(run.strategy.describe?.())}`);
    o.log(`  QAT before training: box F1 ${start.boxF1} (${start.studentBoxes} boxes vs FP32's ${start.teacherBoxes})`);
    for (let e = 0; e < o.epochs; e++) {
      const t0 = Date.now();
      const { losses } = await trainOneEpoch(run, e);
      const loss = losses.reduce((a, b) => a + b, 0) / losses.length;
      const r = await f1(await run.strategy.exportModel());
      epochs.push({ loss, boxF1: r.boxF1 });
      o.log(`  QAT epoch ${e}: loss ${loss.toExponential(3)}, box F1 ${r.boxF1} (${r.studentBoxes} boxes) (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await run.trainer.release();
  }
  const last = epochs.length ? epochs[epochs.length - 1].boxF1 : start.boxF1;
  return {
    photos: all.length, withBoxes: kept.length, trainPhotos: trainN, heldOutPhotos: held.length, scoreThreshold: o.scoreThreshold,
    teacherBoxesHeldOut: start.teacherBoxes, epochs: o.epochs, batch: o.batch, lr: o.lr, qat: o.qat, chosen: run.strategy.describe?.(),
    ptq, bestPtq, start: start.boxF1, epochF1: epochs.map((e) => e.boxF1), epochLoss: epochs.map((e) => e.loss), last, studentAtLeastPtq: last >= bestPtq,
  };
}
