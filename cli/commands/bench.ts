import { Command } from 'commander';
import { readModel } from '../../core/onnx/model-io';
import { analyzeModel } from '../../core/onnx/analysis';
import { measureLatency } from '../../core/runtime/latency';
import { SlimflowError } from '../../core/errors';
import { emit, fail } from '../output';

/** The input shape to time: the model's own fixed dims, or the --shape given for dynamic ones. */
function benchShape(modelPath: string, shapeFlag?: string): { name: string; shape: number[] } {
  const [input] = analyzeModel(readModel(modelPath)).inputs;
  if (shapeFlag) {
    const shape = shapeFlag.split(/[x,]/).map(Number);
    if (shape.some((d) => !Number.isInteger(d) || d <= 0)) throw new SlimflowError('INVALID_CONFIG', `--shape takes positive integers like 8,3,48,192, got "${shapeFlag}"`, '--shape');
    return { name: input.name, shape };
  }
  if (input.dims.some((d) => typeof d !== 'number')) {
    throw new SlimflowError('INVALID_CONFIG', `input ${input.name} has dynamic dims [${input.dims.join(', ')}]: pass --shape, e.g. --shape 8,3,48,192`, modelPath);
  }
  return { name: input.name, shape: input.dims as number[] };
}

/** `slimflow bench <model.onnx>`: measured median latency (warm-up, repeats, fixed threads). */
export const benchCommand = new Command('bench')
  .description('measure the median latency of a model with onnxruntime (warm-up, repeats, fixed threads)')
  .argument('<model>', 'path to an .onnx file')
  .option('--threads <n>', 'intra-op threads', (v) => Number(v), 1)
  .option('--shape <dims>', 'input shape, e.g. 8,3,48,192 (needed when the model has dynamic dims)')
  .option('--repeats <n>', 'timed runs', (v) => Number(v), 30)
  .option('--warmup <n>', 'untimed runs first', (v) => Number(v), 5)
  .option('--json', 'print the figures as one JSON object on the last line')
  .action(async (modelPath: string, opts: { threads: number; shape?: string; repeats: number; warmup: number; json?: boolean }) => {
    try {
      const { name, shape } = benchShape(modelPath, opts.shape);
      const size = shape.reduce((a, b) => a * b, 1);
      // A fixed pseudo-random input: timings must not depend on zeros taking shortcuts.
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
      const r = await measureLatency(modelPath, { [name]: { dtype: 'float32', dims: shape, data } }, opts);
      const out = { model: modelPath, shape, threads: opts.threads, medianMs: r.medianMs, p10Ms: r.p10Ms, p90Ms: r.p90Ms, repeats: opts.repeats };
      emit(!!opts.json, out, () => `${modelPath} [${shape.join('x')}] ${opts.threads} thread(s): median ${r.medianMs.toFixed(3)} ms (p10 ${r.p10Ms.toFixed(3)}, p90 ${r.p90Ms.toFixed(3)}) over ${opts.repeats} runs`);
    } catch (e) {
      fail(e);
    }
  });
