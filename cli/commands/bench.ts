import { Command } from 'commander';
import { readModel } from '../../core/onnx/model-io';
import { patternFeed } from '../../core/latency/fixed-shape';
import { measureLatency } from '../../core/runtime/latency';
import { collectShape, inputsFromShapeFlags, SHAPE_FLAG_HELP } from '../shape-flags';
import { emit, fail } from '../output';

/** `slimflow bench <model.onnx>`: measured median latency (warm-up, repeats, fixed threads). */
export const benchCommand = new Command('bench')
  .description('measure the median latency of a model with onnxruntime (warm-up, repeats, fixed threads)')
  .argument('<model>', 'path to an .onnx file')
  .option('--threads <n>', 'intra-op threads', (v) => Number(v), 1)
  .option('--shape <dims>', SHAPE_FLAG_HELP, collectShape, [] as string[])
  .option('--repeats <n>', 'timed runs', (v) => Number(v), 30)
  .option('--warmup <n>', 'untimed runs first', (v) => Number(v), 5)
  .option('--json', 'print the figures as one JSON object on the last line')
  .action(async (modelPath: string, opts: { threads: number; shape: string[]; repeats: number; warmup: number; json?: boolean }) => {
    try {
      const inputs = inputsFromShapeFlags(readModel(modelPath), opts.shape);
      // A fixed pseudo-random float input (timings must not depend on zeros taking shortcuts); integer inputs 1.
      const feeds = patternFeed(Object.fromEntries(inputs.map((i) => [i.name, i.shape])), Object.fromEntries(inputs.map((i) => [i.name, i.dtype])));
      const r = await measureLatency(modelPath, feeds, { threads: opts.threads, repeats: opts.repeats, warmup: opts.warmup });
      const shape = inputs[0].shape;
      const shapes = Object.fromEntries(inputs.map((i) => [i.name, i.shape]));
      const out = { model: modelPath, shape, shapes, threads: opts.threads, medianMs: r.medianMs, p10Ms: r.p10Ms, p90Ms: r.p90Ms, repeats: opts.repeats };
      emit(!!opts.json, out, () => `${modelPath} ${inputs.map((i) => `${inputs.length > 1 ? `${i.name} ` : ''}[${i.shape.join('x')}]`).join(', ')} ${opts.threads} thread(s): median ${r.medianMs.toFixed(3)} ms (p10 ${r.p10Ms.toFixed(3)}, p90 ${r.p90Ms.toFixed(3)}) over ${opts.repeats} runs`);
    } catch (e) {
      fail(e);
    }
  });
