import { Command } from 'commander';
import { estimateLatency } from '../../core/latency/estimate';
import { patternFeed } from '../../core/latency/fixed-shape';
import { LatencyPredictor } from '../../core/latency/predictor';
import { readTable } from '../../core/latency/table';
import { measureLatency } from '../../core/runtime/latency';
import { CONFIG_SHAPES_HELP, modelAndFeed } from '../model-feed';
import { emit, fail, info } from '../output';
import { collectShape, SHAPE_FLAG_HELP } from '../shape-flags';

const signed = (pct: number) => `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}`;

interface EstimateFlags { table: string; config?: string; shape: string[]; threads?: number; measure?: number; json?: boolean }

/** `slimflow estimate <model> --table <file>`: predicted latency without timing the model (`--measure` times it too, for the error). */
export const estimateCommand = new Command('estimate')
  .description('predict the latency of a model from a latency table (on the graph onnxruntime will run)')
  .argument('<model>', 'path to an .onnx file')
  .requiredOption('--table <file>', 'latency table made by slimflow profile')
  .option('--config <job.yaml>', CONFIG_SHAPES_HELP)
  .option('--shape <dims>', SHAPE_FLAG_HELP, collectShape, [] as string[])
  .option('--threads <n>', 'thread count to predict for (default: the table\'s)', (v) => Number(v))
  .option('--measure <runs>', 'also time the model (median of <runs> runs after warm-up) and report the estimate\'s error against it', (v) => Number(v))
  .option('--json', 'print the estimate as one JSON object on the last line')
  .action(async (modelPath: string, opts: EstimateFlags) => {
    try {
      const predictor = new LatencyPredictor(readTable(opts.table));
      const { model, inputs } = modelAndFeed({ model: modelPath, config: opts.config, shape: opts.shape });
      const shapes = Object.fromEntries(inputs.map((i) => [i.name, i.shape]));
      const est = await estimateLatency(model, predictor, { shapes, threads: opts.threads });
      for (const w of est.warnings) info(`warning: ${w}`);
      // Measured after the estimate, on the same feed `slimflow bench` uses (float pattern, integer inputs 1).
      const measured = opts.measure ? await measureLatency(modelPath, patternFeed(shapes, Object.fromEntries(inputs.map((i) => [i.name, i.dtype]))), { threads: opts.threads ?? est.table.threads, repeats: opts.measure, warmup: 3 }) : undefined;
      // Against the median (what the estimate predicts) and the fastest decile (the quiet runs: on a loaded machine the median carries other processes' load).
      const error = (ms: number) => ((est.predictedMs - ms) / ms) * 100;
      const check = measured ? { measuredMs: measured.medianMs, p10Ms: measured.p10Ms, p90Ms: measured.p90Ms, runs: opts.measure, errorPct: error(measured.medianMs), errorVsP10Pct: error(measured.p10Ms) } : undefined;
      const { breakdown, ...rest } = est;
      emit(!!opts.json, { model: modelPath, ...rest, ...(check ? { measured: check } : {}) }, () => [
        ...breakdown.map((b) => `${(b.us / 1000).toFixed(3).padStart(9)} ms  ${b.method.padEnd(9)} ${b.op.padEnd(36)} ${b.name}`),
        `${'-'.repeat(60)}`,
        ...Object.entries(est.byOp).sort((a, b) => b[1] - a[1]).map(([op, ms]) => `${ms.toFixed(3).padStart(9)} ms  ${op}`),
        `kernels ${est.kernelMs.toFixed(3)} ms + overhead ${est.overheadMs.toFixed(3)} ms (${est.nodes} nodes)`,
        `costed: ${Object.entries(est.methods).map(([k, v]) => `${k} ${v}`).join(', ')}${est.guessedOps.length ? `; guessed ops: ${est.guessedOps.join(', ')}` : ''}`,
        est.sparsity.note,
        `${modelPath} ${Object.entries(est.shapes).map(([k, v]) => `${inputs.length > 1 ? `${k} ` : ''}[${v.join('x')}]`).join(', ')} predictedMs ${est.predictedMs.toFixed(3)} (table ${opts.table}, ${est.table.threads} thread(s))`,
        ...(check ? [`measured median ${check.measuredMs.toFixed(3)} ms (p10 ${check.p10Ms.toFixed(3)}, p90 ${check.p90Ms.toFixed(3)}, ${check.runs} runs): estimate error ${signed(check.errorPct)} % (${signed(check.errorVsP10Pct)} % against p10)`] : []),
      ].join('\n'));
    } catch (e) {
      fail(e);
    }
  });
