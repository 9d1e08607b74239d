import { Command } from 'commander';
import { estimateLatency } from '../../core/latency/estimate';
import { LatencyPredictor } from '../../core/latency/predictor';
import { readTable } from '../../core/latency/table';
import { readModel } from '../../core/onnx/model-io';
import { emit, fail, info } from '../output';
import { collectShape, inputsFromShapeFlags, SHAPE_FLAG_HELP } from '../shape-flags';

/** `slimflow estimate <model> --table <file>`: predicted latency without timing the model. */
export const estimateCommand = new Command('estimate')
  .description('predict the latency of a model from a latency table (on the graph onnxruntime will run)')
  .argument('<model>', 'path to an .onnx file')
  .requiredOption('--table <file>', 'latency table made by slimflow profile')
  .option('--shape <dims>', SHAPE_FLAG_HELP, collectShape, [] as string[])
  .option('--threads <n>', 'thread count to predict for (default: the table\'s)', (v) => Number(v))
  .option('--json', 'print the estimate as one JSON object on the last line')
  .action(async (modelPath: string, opts: { table: string; shape: string[]; threads?: number; json?: boolean }) => {
    try {
      const predictor = new LatencyPredictor(readTable(opts.table));
      const model = readModel(modelPath);
      const inputs = inputsFromShapeFlags(model, opts.shape);
      const est = await estimateLatency(model, predictor, { shapes: Object.fromEntries(inputs.map((i) => [i.name, i.shape])), threads: opts.threads });
      for (const w of est.warnings) info(`warning: ${w}`);
      const { breakdown, ...rest } = est;
      emit(!!opts.json, { model: modelPath, ...rest }, () => [
        ...breakdown.map((b) => `${(b.us / 1000).toFixed(3).padStart(9)} ms  ${b.method.padEnd(9)} ${b.op.padEnd(36)} ${b.name}`),
        `${'-'.repeat(60)}`,
        ...Object.entries(est.byOp).sort((a, b) => b[1] - a[1]).map(([op, ms]) => `${ms.toFixed(3).padStart(9)} ms  ${op}`),
        `kernels ${est.kernelMs.toFixed(3)} ms + overhead ${est.overheadMs.toFixed(3)} ms (${est.nodes} nodes)`,
        `costed: ${Object.entries(est.methods).map(([k, v]) => `${k} ${v}`).join(', ')}${est.guessedOps.length ? `; guessed ops: ${est.guessedOps.join(', ')}` : ''}`,
        est.sparsity.note,
        `${modelPath} ${Object.entries(est.shapes).map(([k, v]) => `${inputs.length > 1 ? `${k} ` : ''}[${v.join('x')}]`).join(', ')} predictedMs ${est.predictedMs.toFixed(3)} (table ${opts.table}, ${est.table.threads} thread(s))`,
      ].join('\n'));
    } catch (e) {
      fail(e);
    }
  });
