import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { bindRequest, feedRequestOf } from '../../core/config/feed-request';
import { loadJobConfig } from '../../core/config/load';
import { SlimflowError } from '../../core/errors';
import type { FeedInput } from '../../core/feed';
import { buildTable, defaultSources, modelSources, ProfileSource } from '../../core/latency/profiler';
import { writeTable } from '../../core/latency/table';
import { graphInputs } from '../../core/onnx/graph-inputs';
import { decodeModel, readModel } from '../../core/onnx/model-io';
import { emit, fail, info } from '../output';
import { collectShape, inputsFromShapeFlags } from '../shape-flags';

interface ProfileFlags { out: string; model?: string; config?: string; shape: string[]; threads: number; runs: number; passes: number; json?: boolean }

/**
 * The user's model and its feed: `--shape` flags first, else the job config's Global.inputs, else
 * the graph's fixed dims. A dynamic dim nobody fixed is one error naming the input and both ways to fix it.
 */
function userModel(opts: ProfileFlags): { file: string; inputs: FeedInput[] } {
  const config = opts.config ? loadJobConfig(opts.config) : undefined;
  const file = opts.model ?? config?.Global.model;
  if (!file) throw new SlimflowError('INVALID_CONFIG', '--config names no model (Global.model): give --model', '--model');
  const model = readModel(file);
  if (opts.shape.length || !config) {
    try {
      return { file, inputs: inputsFromShapeFlags(model, opts.shape) };
    } catch (e) {
      if (!(e instanceof SlimflowError) || !/dynamic dims/.test(e.message) || opts.shape.length) throw e;
      const graph = graphInputs(model);
      const open = graph.filter((g) => g.dims.some((d) => typeof d !== 'number' || d <= 0));
      throw new SlimflowError('INVALID_CONFIG', `input "${open[0].name}" of ${path.basename(file)} has dynamic dims [${open[0].dims.join(', ')}]: give its batch shape with --shape ${open.length > 1 || graph.length > 1 ? `${open[0].name}=` : ''}<dims> (once per dynamic input: ${open.map((g) => g.name).join(', ')}) or a job config whose Global.inputs gives them (--config)`, '--shape');
    }
  }
  return { file, inputs: bindRequest(graphInputs(model), feedRequestOf(config!.Global)) };
}

/** `slimflow profile --out <table.json> [--model <file.onnx>]`: measure this machine's latency table. */
export const profileCommand = new Command('profile')
  .description('build a latency table for this machine: per-node kernel times of the optimized graphs of your model and its variants (--model: INT8 placements, pruned widths, dynamic INT8 for transformers), or of PP-OCR-derived graphs without it')
  .requiredOption('--out <file>', 'where to write the table (JSON)')
  .option('--model <file>', 'profile this model and its compression variants instead of the PP-OCR sources')
  .option('--config <job.yaml>', 'a job config: its Global.inputs give the batch shapes (and Global.model the model, when --model is absent)')
  .option('--shape <dims>', 'batch shape, e.g. 8,3,224,224 for a one-input model or input_ids=8,128 per input (repeat the flag); needed for dynamic dims without --config', collectShape, [] as string[])
  .option('--threads <n>', 'intra-op threads to measure at', (v) => Number(v), 1)
  .option('--runs <n>', 'timed runs per model in all (the fastest counts per node)', (v) => Number(v), 9)
  .option('--passes <n>', 'sweeps over all models the runs are split into (a burst of load then spoils one sweep, not all)', (v) => Number(v), 3)
  .option('--json', 'print a summary as one JSON object on the last line')
  .action(async (opts: ProfileFlags) => {
    try {
      let sources: ProfileSource[] = defaultSources();
      if (opts.model || opts.config) {
        const { file, inputs } = userModel(opts);
        // One read of the file; every variant decodes its own copy (builders change the graph they get).
        const bytes = fs.readFileSync(file);
        sources = modelSources(path.basename(file, '.onnx'), () => decodeModel(bytes, file), inputs);
        info(`${file}: ${inputs.map((i) => `${i.name} [${i.shape.join('x')}] ${i.dtype}`).join(', ')}; ${sources.length} sources: ${sources.map((s) => s.label.split('/').slice(1).join('/')).join(', ')}`);
      }
      const table = await buildTable(sources, { threads: opts.threads, runs: opts.runs, passes: opts.passes, onProgress: info });
      writeTable(table, opts.out);
      const ops = new Set(table.entries.map((e) => e.config.op)).size;
      const summary = { table: opts.out, entries: table.entries.length, opFamilies: ops, sources: table.sources.map((s) => s.label), threads: table.threads, seconds: table.build.seconds, loadAverage: table.build.loadAverage, overhead: table.overhead, device: table.device };
      emit(!!opts.json, summary, () => `${opts.out}: ${table.entries.length} measured nodes, ${ops} op families from ${table.sources.length} sources, ${table.threads} thread(s), built in ${table.build.seconds.toFixed(0)} s on ${table.device.cpuModel} (onnxruntime ${table.device.onnxruntimeVersion})`);
    } catch (e) {
      fail(e);
    }
  });
