/**
 * PTQ benchmark on the three PP-OCR models: for each registered calibrator, the task metric, agreement with
 * FP32, median latency at 1 thread and speedup vs FP32 (timed interleaved, side by side); the same for
 * onnxruntime's own Python quantizer (the peer) on the same calibration data; calibration time as a ratio
 * of one plain FP32 pass over that data; peak memory. Nothing is asserted: figures are printed.
 *
 * AdaRound runs too (after the calibrators, with the config's calibrator, as "<calibrator>+adaround"), on the
 * models where it is cheap enough: its learning time does not count towards the ≤3x calibration target and
 * is reported apart (adaroundCalibrationRatio).
 *
 * npm run bench:ptq [-- --json] [--models cls,rec,det] [--eval N] [--algos a,b] [--no-peer] [--adaround-iterations N | --no-adaround]
 *   [--calibration-only]   (only the calibration-time ratios of the non-AdaRound calibrators: no quantization, evaluation or timing)
 *   [--max-samples N]      (with --calibration-only: histogram calibrators read at most N values per tensor per batch, 0: all)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { absolutizeConfig } from '../activities/job-activities';
import { evaluateModels, evalBatches, fullBatch } from '../cli/commands/eval';
import { quantizeWithTrial, trialOf } from '../cli/commands/quantize';
import { quantizeOptionsFor } from '../core/quant/trial-options';
import { configFeed } from '../core/config/check-feed';
import { loadJobConfig } from '../core/config/load';
import type { JobConfig } from '../core/config/schema';
import { Batch, iterateBatches, writeNpy } from '../core/data';
import { encodeModel, readModel } from '../core/onnx/model-io';
import { prepareModel } from '../core/onnx/prepare';
import { calibratorNames, getCalibrator } from '../core/quant/calibrators';
import { collectRanges } from '../core/quant/collect';
import { startRounding } from '../core/quant/weight-rounding';
import { planQuantization } from '../core/quant/plan';
import { compareLatency } from '../core/runtime/compare-latency';
import { integerKernelCount } from '../core/runtime/kernels';
import { ModelSession } from '../core/runtime/session';
import { Tensor } from '../core/tensor';
import { peerPython, runPeerQuantizer } from './peer/python';

const ROOT = path.resolve(__dirname, '..');
// adaroundIterations: AdaRound's Adam steps on this model (0: not run; det's 1.2M weights at 640×640 take too long here).
const CASES = {
  cls: { config: 'configs/pp-ocr-cls.yaml', evalLimit: 256, rounds: 30, adaroundIterations: 1000 },
  rec: { config: 'configs/pp-ocr-rec.yaml', evalLimit: 128, rounds: 20, adaroundIterations: 300 },
  det: { config: 'configs/pp-ocr-det.yaml', evalLimit: 16, rounds: 10, adaroundIterations: 0 },
} as const;
type CaseName = keyof typeof CASES;

/**
 * Calibration and the plain FP32 pass over the same calibration batches are timed in alternation this many
 * times (ABBA order); the ratio is the median of the pairs' ratios, so load drifting on a shared machine
 * moves numerator and denominator together.
 */
const RATIO_PAIRS = 3;
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const peakRssMB = () => process.resourceUsage().maxRSS / 1024;
const round = (v: number, d = 2) => (Number.isFinite(v) ? Number(v.toFixed(d)) : v);

interface Args { json: boolean; models: CaseName[]; evalLimit?: number; algos?: string[]; peer: boolean; adaroundIterations?: number; calibrationOnly: boolean; maxSamples?: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, models: ['cls', 'rec', 'det'], peer: true, calibrationOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--json') a.json = true;
    else if (k === '--no-peer') a.peer = false;
    else if (k === '--calibration-only') a.calibrationOnly = true;
    else if (k === '--models') a.models = argv[++i].split(',') as CaseName[];
    else if (k === '--eval') a.evalLimit = Number(argv[++i]);
    else if (k === '--algos') a.algos = argv[++i].split(',');
    else if (k === '--adaround-iterations') a.adaroundIterations = Number(argv[++i]);
    else if (k === '--no-adaround') a.adaroundIterations = 0;
    else if (k === '--max-samples') a.maxSamples = Number(argv[++i]);
    else throw new Error(`unknown option ${k}`);
  }
  for (const m of a.models) if (!(m in CASES)) throw new Error(`unknown model "${m}"; known: ${Object.keys(CASES).join(', ')}`);
  return a;
}

/** Replay materialized feeds as the async stream quantizeModel and collectRanges consume. */
async function* replay<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const x of items) yield x;
}

/** Seconds of one plain FP32 pass over the calibration feeds (session already loaded, as calibration's is). */
async function fp32PassSeconds(model: string, feeds: Record<string, Tensor>[]): Promise<number> {
  const s = await ModelSession.create(model, { threads: 1 });
  try {
    const t0 = performance.now();
    for (const f of feeds) await s.run(f);
    return (performance.now() - t0) / 1000;
  } finally {
    await s.release();
  }
}

/**
 * Seconds the calibrator's statistics pass takes alone (tap session built outside the timing, like the FP32
 * pass). With AdaRound, the pass also gathers its Gram matrices (its learning time is added by the caller).
 */
async function calibrationSeconds(config: JobConfig, algo: string, feeds: Record<string, Tensor>[], adaround?: Record<string, unknown>, maxSamples?: number): Promise<number> {
  // The same plan and calibrator parameters as the trial's quantization.
  const opts = quantizeOptionsFor(trialOf(config, algo));
  // Only sampling calibrators take max_samples (the others' schemas are strict).
  if (maxSamples !== undefined && getCalibrator(opts.calibrator).maxSamples) opts.calibratorParams = { ...(opts.calibratorParams as object), max_samples: maxSamples };
  const { model: prepared } = prepareModel(readModel(config.Global.model));
  const plan = planQuantization(prepared, { ...opts, perChannel: opts.weightQuantizer !== 'abs_max' });
  // Only the observers run here (finish is not called), so weightQmax plays no part.
  const rounding = adaround ? startRounding('adaround', adaround, { graph: prepared.graph, marks: plan.marks, weightQmax: 63, threads: 1 }) : undefined;
  let t0 = 0;
  // The clock starts when the first batch is pulled, i.e. after the tap session is built.
  const timed = (async function* () {
    t0 = performance.now();
    yield* feeds;
  })();
  try {
    await collectRanges(prepared, plan.activationTensors, timed, { calibrator: opts.calibrator, calibratorParams: opts.calibratorParams, threads: 1, observers: rounding?.observers ?? [] });
    return (performance.now() - t0) / 1000;
  } finally {
    await rounding?.release();
  }
}

/** Calibration seconds against a plain FP32 pass over the same batches, both timed `pairs` times in alternation. */
async function calibrationRatio(config: JobConfig, algo: string, feeds: Record<string, Tensor>[], adaround?: Record<string, unknown>, pairs = RATIO_PAIRS, maxSamples?: number) {
  const runs: { fp32: number; calibration: number }[] = [];
  for (let k = 0; k < pairs; k++) {
    let fp32 = 0;
    if (k % 2 === 0) fp32 = await fp32PassSeconds(config.Global.model, feeds);
    const calibration = await calibrationSeconds(config, algo, feeds, adaround, maxSamples);
    if (k % 2 === 1) fp32 = await fp32PassSeconds(config.Global.model, feeds);
    runs.push({ fp32, calibration });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  return {
    calibrationSeconds: median(runs.map((r) => r.calibration)),
    fp32PassSeconds: median(runs.map((r) => r.fp32)),
    ratio: median(runs.map((r) => r.calibration / r.fp32)),
    ratios: runs.map((r) => round(r.calibration / r.fp32)),
  };
}

interface AlgoFigures {
  algo: string;
  metric: number | null;
  details: Record<string, number>;
  agreement: number;
  latencyMs: number;
  speedup: number;
  quantizedNodes: number;
  integerKernels: number;
  quantizeSeconds: number;
  calibrationSeconds: number;
  calibrationRatio: number;
  calibrationRatios: number[];
}

/** Everything measured for one PP-OCR model. */
async function benchModel(name: CaseName, args: Args, python: string | undefined, peerError: string | undefined) {
  const spec = CASES[name];
  const config = absolutizeConfig(loadJobConfig(path.join(ROOT, spec.config)), ROOT);
  const g = config.Global;
  const base = trialOf(config);
  // The PP-OCR models take one input: the feed bound to the graph names it and fixes its batch shape.
  const feed = configFeed(config);
  const x = feed.inputs[0];
  log(`\n== ${name}: ${path.basename(g.model)} [${x.shape.join('x')}], task ${g.task}`);
  const calib: Record<string, Tensor>[] = [];
  for await (const b of iterateBatches(g.calibration_data, { batchSize: base.batchSize, limit: base.batchSize * base.batchNum, inputName: x.name })) calib.push(b.inputs);
  const evalSet: Batch[] = [];
  for await (const b of evalBatches(config, args.evalLimit ?? spec.evalLimit)) evalSet.push(b);
  log(`  data: ${calib.length} calibration batches of ${base.batchSize}, ${evalSet.reduce((n, b) => n + b.ids.length, 0)} eval samples`);
  const fp32Passes: number[] = [];

  const fp32 = readModel(g.model);
  const algos = args.algos ?? calibratorNames();
  const adaroundIterations = args.adaroundIterations ?? spec.adaroundIterations;
  // AdaRound pairs with the config's own calibrator: it only changes how weights round.
  const runs = [
    ...algos.map((algo) => ({ algo, trial: trialOf(config, algo), adaround: undefined })),
    ...(adaroundIterations > 0
      ? [{ algo: `${base.calibrator}+adaround`, trial: { ...base, roundType: 'adaround' as const, roundParams: { iterations: adaroundIterations } }, adaround: { iterations: adaroundIterations } }]
      : []),
  ];
  const quantized: { algo: string; bytes: Uint8Array; q: Omit<AlgoFigures, 'metric' | 'details' | 'agreement' | 'latencyMs' | 'speedup'> }[] = [];
  for (const { algo, trial, adaround } of runs) {
    try {
      const { model, report, seconds } = await quantizeWithTrial(fp32, replay(calib), trial, 1);
      // AdaRound's learning time does not depend on the amount of data: add it whole to the statistics pass (timed once: it is slow).
      const r = await calibrationRatio(config, trial.calibrator, calib, adaround, adaround ? 1 : RATIO_PAIRS);
      fp32Passes.push(r.fp32PassSeconds);
      const calSeconds = r.calibrationSeconds + (report.rounding?.seconds ?? 0);
      const ratio = adaround ? calSeconds / r.fp32PassSeconds : r.ratio;
      quantized.push({
        algo,
        bytes: encodeModel(model),
        q: {
          algo, quantizedNodes: report.quantizedNodes.length, integerKernels: integerKernelCount(report.integerKernels),
          quantizeSeconds: round(seconds), calibrationSeconds: round(calSeconds), calibrationRatio: round(ratio), calibrationRatios: r.ratios,
        },
      });
      log(`  ${algo}: quantized ${report.quantizedNodes.length} nodes, ${integerKernelCount(report.integerKernels)} integer kernels, ${seconds.toFixed(1)} s; calibration ${calSeconds.toFixed(2)} s = ${ratio.toFixed(2)}x FP32 pass (${r.fp32PassSeconds.toFixed(2)} s; pairs ${r.ratios.join(', ')})`);
    } catch (e) {
      log(`  ${algo}: FAILED ${(e as Error).message}`);
    }
  }

  let peer: { bytes: Uint8Array; seconds: number; peakRssMB: number; notes: string[] } | undefined;
  let peerFailure = peerError;
  if (python) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `slimflow-peer-${name}-`));
    try {
      calib.forEach((f, i) => fs.writeFileSync(path.join(dir, `batch-${String(i).padStart(4, '0')}.npy`), writeNpy(f[x.name])));
      const out = path.join(dir, 'peer.onnx');
      const r = await runPeerQuantizer(python, g.model, dir, out, x.name);
      peer = { bytes: fs.readFileSync(out), ...r };
      log(`  peer (onnxruntime quantize_static, QDQ, per-channel, MinMax): ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMB.toFixed(0)} MB (${r.notes.join(', ')})`);
    } catch (e) {
      peerFailure = `peer quantizer failed: ${((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').slice(-3).join(' ')}`;
      log(`  ${peerFailure}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  log('  evaluating…');
  const students = [...quantized.map((q) => q.bytes), ...(peer ? [peer.bytes] : [])];
  const ev = await evaluateModels(students, g.model, evalSet, { task: g.task, inputName: x.name, threads: Math.min(2, os.cpus().length) });
  log('  timing side by side (1 thread, interleaved rounds)…');
  const prepared = encodeModel(prepareModel(fp32).model);
  const lat = await compareLatency([g.model, prepared, ...students], fullBatch(evalSet[0], feed), { threads: 1, rounds: spec.rounds });
  const fp32Ms = lat[0].medianMs;

  const algoFigures: AlgoFigures[] = quantized.map((q, k) => ({
    ...q.q,
    metric: ev.models[k].metric === null ? null : round(ev.models[k].metric!),
    details: Object.fromEntries(Object.entries(ev.models[k].details).map(([key, v]) => [key, round(v)])),
    agreement: round(ev.models[k].agreement.top1),
    latencyMs: round(lat[2 + k].medianMs),
    speedup: round(fp32Ms / lat[2 + k].medianMs),
  }));
  // Best: the most accurate; among equally accurate ones, the fastest.
  const best = [...algoFigures].sort((a, b) => (b.metric ?? -1) - (a.metric ?? -1) || b.speedup - a.speedup)[0];
  const pk = quantized.length;
  const peerFigures = peer
    ? {
        metric: ev.models[pk].metric === null ? null : round(ev.models[pk].metric!),
        details: Object.fromEntries(Object.entries(ev.models[pk].details).map(([key, v]) => [key, round(v)])),
        agreement: round(ev.models[pk].agreement.top1),
        latencyMs: round(lat[2 + pk].medianMs),
        speedup: round(fp32Ms / lat[2 + pk].medianMs),
        seconds: round(peer.seconds),
        peakRssMB: round(peer.peakRssMB, 0),
        notes: peer.notes,
      }
    : { metric: null, speedup: null, error: peerFailure ?? 'peer skipped (--no-peer)' };
  return {
    task: g.task,
    shape: x.shape,
    evalSamples: ev.models[0]?.agreement.samples ?? 0,
    fp32: { metric: ev.teacher.metric === null ? null : round(ev.teacher.metric), details: Object.fromEntries(Object.entries(ev.teacher.details).map(([key, v]) => [key, round(v)])), latencyMs: round(fp32Ms), passSeconds: round(fp32Passes.length ? [...fp32Passes].sort((a, b) => a - b)[Math.floor((fp32Passes.length - 1) / 2)] : NaN), passBatches: calib.length },
    fp32Prepared: { latencyMs: round(lat[1].medianMs), speedup: round(fp32Ms / lat[1].medianMs) },
    algos: algoFigures,
    best: best ? { algo: best.algo, metric: best.metric, agreement: best.agreement, latencyMs: best.latencyMs, speedup: best.speedup } : null,
    peer: peerFigures,
    peakRssMB: round(peakRssMB(), 0),
  };
}

/** One human-readable table per model. */
function table(name: string, r: Awaited<ReturnType<typeof benchModel>>): string {
  const fmt = (v: number | null | undefined, d = 2) => (v === null || v === undefined ? 'n/a' : v.toFixed(d));
  const rows = [
    `${name} (${r.task}, ${r.evalSamples} eval samples, latency at [${r.shape.join('x')}] 1 thread)`,
    `  ${'model'.padEnd(22)} ${'metric'.padStart(7)} ${'agree'.padStart(7)} ${'ms'.padStart(9)} ${'speedup'.padStart(8)} ${'calib/fp32'.padStart(10)}`,
    `  ${'fp32'.padEnd(22)} ${fmt(r.fp32.metric).padStart(7)} ${'100.00'.padStart(7)} ${fmt(r.fp32.latencyMs).padStart(9)} ${'1.00'.padStart(8)}`,
    `  ${'fp32 prepared'.padEnd(22)} ${''.padStart(7)} ${''.padStart(7)} ${fmt(r.fp32Prepared.latencyMs).padStart(9)} ${fmt(r.fp32Prepared.speedup).padStart(8)}`,
    ...r.algos.map((a) => `  ${('int8 ' + a.algo).padEnd(22)} ${fmt(a.metric).padStart(7)} ${fmt(a.agreement).padStart(7)} ${fmt(a.latencyMs).padStart(9)} ${fmt(a.speedup).padStart(8)} ${fmt(a.calibrationRatio).padStart(10)}`),
    'latencyMs' in r.peer
      ? `  ${'peer (ort quantize)'.padEnd(22)} ${fmt(r.peer.metric).padStart(7)} ${fmt(r.peer.agreement).padStart(7)} ${fmt(r.peer.latencyMs).padStart(9)} ${fmt(r.peer.speedup).padStart(8)}`
      : `  peer: ${(r.peer as { error: string }).error}`,
    `  best: ${r.best ? `${r.best.algo} ${fmt(r.best.metric)} points, ${fmt(r.best.speedup)}x` : 'none'}`,
  ];
  return rows.join('\n');
}

/** --calibration-only: the calibration-time ratio of each calibrator on each model, nothing else. */
async function benchCalibrationOnly(args: Args) {
  const models: Record<string, { batches: number; algos: { algo: string; calibrationSeconds: number; fp32PassSeconds: number; calibrationRatio: number; calibrationRatios: number[] }[] }> = {};
  for (const name of args.models) {
    const config = absolutizeConfig(loadJobConfig(path.join(ROOT, CASES[name].config)), ROOT);
    const base = trialOf(config);
    const calib: Record<string, Tensor>[] = [];
    for await (const b of iterateBatches(config.Global.calibration_data, { batchSize: base.batchSize, limit: base.batchSize * base.batchNum, inputName: config.Global.input_name })) calib.push(b.inputs);
    models[name] = { batches: calib.length, algos: [] };
    for (const algo of args.algos ?? calibratorNames()) {
      const r = await calibrationRatio(config, algo, calib, undefined, RATIO_PAIRS, args.maxSamples);
      models[name].algos.push({ algo, calibrationSeconds: round(r.calibrationSeconds, 3), fp32PassSeconds: round(r.fp32PassSeconds, 3), calibrationRatio: round(r.ratio), calibrationRatios: r.ratios });
      log(`${name} ${algo}: calibration ${r.calibrationSeconds.toFixed(3)} s, FP32 pass ${r.fp32PassSeconds.toFixed(3)} s over ${calib.length} batches: ${r.ratio.toFixed(2)}x (pairs ${r.ratios.join(', ')})`);
    }
  }
  const ratios = Object.values(models).flatMap((m) => m.algos.map((a) => a.calibrationRatio));
  const summary = { models, calibrationRatio: ratios.length ? Math.max(...ratios) : null, maxSamples: args.maxSamples ?? 'default', loadavg: os.loadavg().map((v) => round(v)) };
  process.stdout.write(args.json ? `${JSON.stringify(summary)}\n` : `calibration time / FP32 pass (worst): ${summary.calibrationRatio}; load ${summary.loadavg.join(' ')}\n`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.calibrationOnly) return benchCalibrationOnly(args);
  const t0 = performance.now();
  const { python, error } = args.peer ? await peerPython(ROOT, log) : { python: undefined, error: 'peer skipped (--no-peer)' };
  if (error) log(`peer unavailable: ${error}`);
  const models: Record<string, Awaited<ReturnType<typeof benchModel>>> = {};
  for (const name of args.models) {
    models[name] = await benchModel(name, args, python, error);
    if (!args.json) process.stdout.write(`${table(name, models[name])}\n\n`);
  }
  // The headline ratio is the worst case over models and (non-AdaRound) calibrators: the target is a bound.
  const ratios = Object.values(models).flatMap((m) => m.algos.filter((a) => !/adaround/i.test(a.algo)).map((a) => a.calibrationRatio));
  const adaroundRatios = Object.values(models).flatMap((m) => m.algos.filter((a) => /adaround/i.test(a.algo)).map((a) => a.calibrationRatio));
  const summary = {
    models,
    calibrationRatio: ratios.length ? Math.max(...ratios) : null,
    // AdaRound is exempt from the ≤3x target; its worst ratio, reported apart.
    adaroundCalibrationRatio: adaroundRatios.length ? Math.max(...adaroundRatios) : null,
    peakRssMB: round(peakRssMB(), 0),
    seconds: round((performance.now() - t0) / 1000, 0),
    cpus: os.cpus().length,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`calibration time / FP32 pass (worst): ${summary.calibrationRatio}; AdaRound (apart): ${summary.adaroundCalibrationRatio}; peak RSS ${summary.peakRssMB} MB; ${summary.seconds} s\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:ptq failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
