/**
 * Transformer quantization variants side by side on one zoo encoder (default configs/zoo/minilm-l3.yaml):
 * static Q/DQ (integer-path placement, one calibrator) with attention's activation × activation
 * MatMuls float or integer (QuantPost.quantize_act_matmul), dynamic int8 with float or int8
 * embedding tables (QuantPost.quantize_embeddings), and static with int8 embeddings. Every model is
 * scored by the config's task metric against FP32 on the eval batches, its file size taken, and all
 * are timed at 1 thread interleaved with FP32 (one session each, rounds A B C …). Nothing is asserted.
 *
 * npm run bench:transformer [-- --json] [--config configs/zoo/minilm-l3.yaml] [--calibrator KL] [--rounds 30]
 */
import * as path from 'node:path';
import { absolutizeConfig } from '../activities/job-activities';
import { feedRequestOf, resolveFeed } from '../core/config/feed-request';
import { loadJobConfig } from '../core/config/load';
import type { Batch } from '../core/data';
import { feedBatches, isFullBatch } from '../core/feed-data';
import { createTaskMeter } from '../core/metrics/task-meters/registry';
import { decodeModel, encodeModel } from '../core/onnx/model-io';
import { dynamicTrialModel } from '../core/quant/dynamic';
import { quantizeModel } from '../core/quant/ptq';
import { compareLatency } from '../core/runtime/compare-latency';
import { cpuFeatures } from '../core/runtime/cpu-features';
import { integerKernelCount } from '../core/runtime/kernels';
import { ModelSession } from '../core/runtime/session';
import type { Tensor } from '../core/tensor';
import * as fs from 'node:fs';

const ROOT = path.resolve(__dirname, '..');
const log = (msg: string) => process.stderr.write(`[transformer] ${msg}\n`);

interface Args { json: boolean; config: string; calibrator: string; rounds: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, config: 'configs/zoo/minilm-l3.yaml', calibrator: 'KL', rounds: 30 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--json') a.json = true;
    else if (k === '--config') a.config = argv[++i];
    else if (k === '--calibrator') a.calibrator = argv[++i];
    else if (k === '--rounds') a.rounds = Number(argv[++i]);
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

interface Row { name: string; score: number; sizeBytes: number; integerKernels: number; latencyMs: number; speedup: number; buildSeconds: number }

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = absolutizeConfig(loadJobConfig(path.resolve(ROOT, args.config)), ROOT);
  const g = config.Global;
  const probe = await ModelSession.create(g.model, { threads: 1 });
  const feed = resolveFeed(probe.graphInputs, probe.outputNames, feedRequestOf(g), 1);
  const output = feed.output ?? probe.outputNames[0];
  await probe.release();
  const batchSize = feed.inputs[0].shape[0];
  const calibSamples = (config.QuantPost?.batch_size ?? 8) * (config.QuantPost?.batch_num ?? 8);
  const calib: Record<string, Tensor>[] = [];
  for await (const b of feedBatches(g.calibration_data, feed.inputs, { batchSize, limit: calibSamples, where: 'Global.calibration_data' })) calib.push(b.inputs);
  const evalBatches: Batch[] = [];
  for await (const b of feedBatches(g.eval_data ?? g.calibration_data, feed.inputs, { batchSize, where: 'Global.eval_data' })) if (isFullBatch(b, feed.inputs)) evalBatches.push(b);
  log(`${path.basename(g.model)}: ${calib.length} calibration batch(es), ${evalBatches.length} eval batch(es) of ${batchSize}`);

  const fp32 = fs.readFileSync(g.model);
  const source = () => decodeModel(fp32, g.model);
  const batches = () => (async function* () { for (const b of calib) yield b; })();
  const static_ = (opts: { quantizeActMatMul?: boolean; quantizeEmbeddings?: boolean }) => async () => {
    const { model, report } = await quantizeModel(source(), batches(), { calibrator: args.calibrator, integerActivations: true, quantizeDepthwise: true, ...opts });
    return { bytes: encodeModel(model), kernels: report.integerKernels };
  };
  const dynamic = (quantizeEmbeddings: boolean) => async () => {
    const { model, report } = await dynamicTrialModel(source(), { quantizeEmbeddings, reduceRange: !cpuFeatures().vnni });
    return { bytes: encodeModel(model), kernels: report.integerKernels };
  };
  const variants: [string, () => Promise<{ bytes: Uint8Array; kernels: Record<string, number> }>][] = [
    [`static ${args.calibrator}`, static_({})],
    [`static ${args.calibrator} act-matmul`, static_({ quantizeActMatMul: true })],
    [`static ${args.calibrator} act-matmul int8-embeddings`, static_({ quantizeActMatMul: true, quantizeEmbeddings: true })],
    ['dynamic', dynamic(false)],
    ['dynamic int8-embeddings', dynamic(true)],
  ];

  const teacherSession = await ModelSession.create(fp32, { threads: 1 });
  const teacher: Tensor[] = [];
  for (const b of evalBatches) teacher.push((await teacherSession.run(b.inputs, [output]))[output]);
  await teacherSession.release();
  const scoreOf = async (model: Uint8Array): Promise<{ score: number; metric: string }> => {
    const s = await ModelSession.create(model, { threads: 1 });
    try {
      const meter = createTaskMeter(g.task, (g as unknown as Record<string, unknown>)[g.task] ?? {});
      for (let i = 0; i < evalBatches.length; i++) meter.update((await s.run(evalBatches[i].inputs, [output]))[output], teacher[i], evalBatches[i].labels);
      const r = meter.result();
      return { score: r.score, metric: r.metric };
    } finally {
      await s.release();
    }
  };

  const built: { name: string; bytes: Uint8Array; kernels: Record<string, number>; seconds: number; score: number }[] = [];
  let metric = '';
  for (const [name, build] of variants) {
    const t0 = performance.now();
    const { bytes, kernels } = await build();
    const seconds = (performance.now() - t0) / 1000;
    const s = await scoreOf(bytes);
    metric = s.metric;
    log(`${name}: built in ${seconds.toFixed(1)} s, ${s.metric} ${s.score.toFixed(3)}, ${(bytes.length / 1e6).toFixed(1)} MB`);
    built.push({ name, bytes, kernels, seconds, score: s.score });
  }
  log(`timing FP32 and ${built.length} models interleaved, ${args.rounds} rounds, 1 thread`);
  const lat = await compareLatency([fp32, ...built.map((b) => b.bytes)], evalBatches[0].inputs, { threads: 1, rounds: args.rounds });
  const fp32Ms = lat[0].medianMs;
  const rows: Row[] = built.map((b, i) => ({
    name: b.name, score: b.score, sizeBytes: b.bytes.length, integerKernels: integerKernelCount(b.kernels),
    latencyMs: lat[i + 1].medianMs, speedup: fp32Ms / lat[i + 1].medianMs, buildSeconds: b.seconds,
  }));
  const cpu = cpuFeatures();
  const result = {
    model: path.relative(ROOT, g.model), cpu: `${cpu.model} (${cpu.kind})`, threads: 1, rounds: args.rounds, metric,
    fp32: { latencyMs: fp32Ms, sizeBytes: fp32.length, noiseMs: lat[0].noiseMs }, rows,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  console.log(`${result.model} on ${result.cpu}, 1 thread, ${args.rounds} interleaved rounds; ${metric} vs FP32`);
  console.log(`FP32: ${fp32Ms.toFixed(2)} ms, ${(fp32.length / 1e6).toFixed(1)} MB`);
  console.log('| variant | score | speedup | ms | size MB | integer kernels | build s |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.score.toFixed(2)} | ${r.speedup.toFixed(2)}x | ${r.latencyMs.toFixed(2)} | ${(r.sizeBytes / 1e6).toFixed(1)} | ${r.integerKernels} | ${r.buildSeconds.toFixed(1)} |`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
