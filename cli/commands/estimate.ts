import { Command } from 'commander';
import { SlimflowError } from '../../core/errors';
import { estimateLatency } from '../../core/latency/estimate';
import { LatencyPredictor } from '../../core/latency/predictor';
import { readTable } from '../../core/latency/table';
import { readModel } from '../../core/onnx/model-io';
import { emit, fail, info } from '../output';

/** Parse --shape 8,3,48,192 (or 8x3x48x192). */
function parseShape(flag?: string): number[] | undefined {
  if (!flag) return undefined;
  const shape = flag.split(/[x,]/).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d <= 0)) throw new SlimflowError('INVALID_CONFIG', `--shape takes positive integers like 8,3,48,192, got "${flag}"`, '--shape');
  return shape;
}

/** `slimflow estimate <model> --table <file>`: predicted latency without timing the model. */
export const estimateCommand = new Command('estimate')
  .description('predict the latency of a model from a latency table (on the graph onnxruntime will run)')
  .argument('<model>', 'path to an .onnx file')
  .requiredOption('--table <file>', 'latency table made by slimflow profile')
  .option('--shape <dims>', 'input shape, e.g. 8,3,48,192 (needed when the model has dynamic dims)')
  .option('--threads <n>', 'thread count to predict for (default: the table\'s)', (v) => Number(v))
  .option('--json', 'print the estimate as one JSON object on the last line')
  .action(async (modelPath: string, opts: { table: string; shape?: string; threads?: number; json?: boolean }) => {
    try {
      const predictor = new LatencyPredictor(readTable(opts.table));
      const model = readModel(modelPath);
      const shape = parseShape(opts.shape);
      const est = await estimateLatency(model, predictor, { shapes: shape ? { [model.graph.input[0].name]: shape } : undefined, threads: opts.threads });
      for (const w of est.warnings) info(`warning: ${w}`);
      const { breakdown, ...rest } = est;
      emit(!!opts.json, { model: modelPath, ...rest }, () => [
        ...breakdown.map((b) => `${(b.us / 1000).toFixed(3).padStart(9)} ms  ${b.method.padEnd(9)} ${b.op.padEnd(36)} ${b.name}`),
        `${'-'.repeat(60)}`,
        ...Object.entries(est.byOp).sort((a, b) => b[1] - a[1]).map(([op, ms]) => `${ms.toFixed(3).padStart(9)} ms  ${op}`),
        `kernels ${est.kernelMs.toFixed(3)} ms + overhead ${est.overheadMs.toFixed(3)} ms (${est.nodes} nodes)`,
        `costed: ${Object.entries(est.methods).map(([k, v]) => `${k} ${v}`).join(', ')}${est.guessedOps.length ? `; guessed ops: ${est.guessedOps.join(', ')}` : ''}`,
        est.sparsity.note,
        `${modelPath} [${Object.values(est.shapes)[0].join('x')}] predictedMs ${est.predictedMs.toFixed(3)} (table ${opts.table}, ${est.table.threads} thread(s))`,
      ].join('\n'));
    } catch (e) {
      fail(e);
    }
  });
