/**
 * AdaRound against nearest rounding on PP-OCR models, same calibrator, same calibration data, same
 * activations: task metric, top-1 agreement and output cosine with FP32, the layers' output error
 * (Σ‖ΔW·x‖² over sampled columns) under both roundings, and the time AdaRound adds. Nothing asserted.
 *
 * npx tsx bench/ptq-adaround.ts [--models cls,rec] [--algo abs_max] [--eval N] [--params '{"iterations":500}'] [--json]
 */
import * as path from 'node:path';
import { absolutizeConfig } from '../activities/job-activities';
import { evaluateModels, evalBatches } from '../cli/commands/eval';
import { quantizeWithTrial, trialOf } from '../cli/commands/quantize';
import { loadJobConfig } from '../core/config/load';
import { Batch, iterateBatches } from '../core/data';
import { encodeModel, readModel } from '../core/onnx/model-io';
import { Tensor } from '../core/tensor';

const ROOT = path.resolve(__dirname, '..');
const CONFIGS = { cls: 'configs/pp-ocr-cls.yaml', rec: 'configs/pp-ocr-rec.yaml', det: 'configs/pp-ocr-det.yaml' } as const;
type Name = keyof typeof CONFIGS;
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const round = (v: number, d = 2) => Number(v.toFixed(d));

function parseArgs(argv: string[]) {
  const a = { models: ['cls'] as Name[], algo: undefined as string | undefined, evalLimit: undefined as number | undefined, params: {} as Record<string, unknown>, json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--models') a.models = argv[++i].split(',') as Name[];
    else if (k === '--algo') a.algo = argv[++i];
    else if (k === '--eval') a.evalLimit = Number(argv[++i]);
    else if (k === '--params') a.params = JSON.parse(argv[++i]) as Record<string, unknown>;
    else if (k === '--json') a.json = true;
    else throw new Error(`unknown option ${k}`);
  }
  for (const m of a.models) if (!(m in CONFIGS)) throw new Error(`unknown model "${m}"; known: ${Object.keys(CONFIGS).join(', ')}`);
  return a;
}

async function* replay<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const x of items) yield x;
}

async function benchModel(name: Name, args: ReturnType<typeof parseArgs>) {
  const config = absolutizeConfig(loadJobConfig(path.join(ROOT, CONFIGS[name])), ROOT);
  const g = config.Global;
  const trial = trialOf(config, args.algo);
  const calib: Record<string, Tensor>[] = [];
  for await (const b of iterateBatches(g.calibration_data, { batchSize: trial.batchSize, limit: trial.batchSize * trial.batchNum, inputName: g.input_name })) calib.push(b.inputs);
  const evalSet: Batch[] = [];
  for await (const b of evalBatches(config, args.evalLimit)) evalSet.push(b);
  const fp32 = readModel(g.model);
  const nearest = await quantizeWithTrial(fp32, replay(calib), trial, 1);
  log(`${name}: ${trial.calibrator} nearest rounding quantized in ${nearest.seconds.toFixed(1)} s`);
  const ada = await quantizeWithTrial(fp32, replay(calib), { ...trial, roundType: 'adaround', roundParams: args.params }, 1);
  const layers = ada.report.rounding?.layers ?? [];
  const sum = (f: (l: (typeof layers)[number]) => number) => layers.reduce((s, l) => s + f(l), 0);
  log(`${name}: adaround quantized in ${ada.seconds.toFixed(1)} s (learning ${ada.report.rounding?.seconds.toFixed(1)} s), ${layers.length} layers learned, ${ada.report.rounding?.skipped.length} left nearest`);
  const ev = await evaluateModels([encodeModel(nearest.model), encodeModel(ada.model)], g.model, evalSet, { task: g.task, inputName: g.input_name, threads: 2 });
  const fig = (k: number) => ({ metric: ev.models[k].metric === null ? null : round(ev.models[k].metric!), agreement: round(ev.models[k].agreement.top1), cosine: round(ev.models[k].agreement.cosine, 4) });
  return {
    calibrator: trial.calibrator,
    evalSamples: ev.models[0].agreement.samples,
    fp32: { metric: ev.teacher.metric === null ? null : round(ev.teacher.metric) },
    nearest: { ...fig(0), seconds: round(nearest.seconds, 1) },
    adaround: { ...fig(1), seconds: round(ada.seconds, 1), learnSeconds: round(ada.report.rounding?.seconds ?? 0, 1), timeRatio: round(ada.seconds / nearest.seconds) },
    // Layer output error in squared quantization steps (H normalized per layer), summed over layers.
    layerError: { nearest: round(sum((l) => l.nearestLoss), 1), adaround: round(sum((l) => Math.min(l.learnedLoss, l.nearestLoss)), 1), keptNearest: layers.filter((l) => l.kept === 'nearest').length },
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const out: Record<string, unknown> = {};
  for (const m of args.models) {
    out[m] = await benchModel(m, args);
    if (!args.json) process.stdout.write(`${m}: ${JSON.stringify(out[m])}\n`);
  }
  if (args.json) process.stdout.write(`${JSON.stringify({ params: args.params, models: out })}\n`);
}

main().catch((e) => {
  process.stderr.write(`ptq-adaround failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
