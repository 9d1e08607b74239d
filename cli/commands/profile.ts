import * as path from 'node:path';
import { Command } from 'commander';
import { buildTable, defaultSources, modelSources, ProfileSource } from '../../core/latency/profiler';
import { buildLoadWarning, writeTable } from '../../core/latency/table';
import { cloneModel } from '../../core/onnx/clone';
import { CONFIG_SHAPES_HELP, modelAndFeed } from '../model-feed';
import { emit, fail, info } from '../output';
import { collectShape, SHAPE_FLAG_HELP } from '../shape-flags';

interface ProfileFlags { out: string; model?: string; config?: string; shape: string[]; threads: number; runs: number; passes: number; json?: boolean }

/** `slimflow profile --out <table.json> [--model <file.onnx>]`: measure this machine's latency table. */
export const profileCommand = new Command('profile')
  .description('build a latency table for this machine: per-node kernel times of the optimized graphs of your model and its variants (--model: INT8 placements, pruned widths, dynamic INT8 for transformers), or of PP-OCR-derived graphs without it')
  .requiredOption('--out <file>', 'where to write the table (JSON)')
  .option('--model <file>', 'profile this model and its compression variants instead of the PP-OCR sources')
  .option('--config <job.yaml>', CONFIG_SHAPES_HELP)
  .option('--shape <dims>', SHAPE_FLAG_HELP, collectShape, [] as string[])
  .option('--threads <n>', 'intra-op threads to measure at', (v) => Number(v), 1)
  .option('--runs <n>', 'timed runs per model in all (the fastest counts per node)', (v) => Number(v), 9)
  .option('--passes <n>', 'sweeps over all models the runs are split into (a burst of load then spoils one sweep, not all)', (v) => Number(v), 3)
  .option('--json', 'print a summary as one JSON object on the last line')
  .action(async (opts: ProfileFlags) => {
    try {
      let sources: ProfileSource[] = defaultSources();
      if (opts.model || opts.config) {
        const { file, model, inputs } = modelAndFeed(opts);
        // Every variant builds from its own copy (builders change the graph they are given).
        sources = modelSources(path.basename(file, '.onnx'), () => cloneModel(model), inputs);
        info(`${file}: ${inputs.map((i) => `${i.name} [${i.shape.join('x')}] ${i.dtype}`).join(', ')}; ${sources.length} sources: ${sources.map((s) => s.label.split('/').slice(1).join('/')).join(', ')}`);
      }
      const table = await buildTable(sources, { threads: opts.threads, runs: opts.runs, passes: opts.passes, onProgress: info });
      writeTable(table, opts.out);
      const loaded = buildLoadWarning(table);
      if (loaded) info(`warning: ${loaded}`);
      const ops = new Set(table.entries.map((e) => e.config.op)).size;
      const summary = { table: opts.out, entries: table.entries.length, opFamilies: ops, sources: table.sources.map((s) => s.label), threads: table.threads, seconds: table.build.seconds, loadAverage: table.build.loadAverage, overhead: table.overhead, device: table.device };
      emit(!!opts.json, summary, () => `${opts.out}: ${table.entries.length} measured nodes, ${ops} op families from ${table.sources.length} sources, ${table.threads} thread(s), built in ${table.build.seconds.toFixed(0)} s on ${table.device.cpuModel} (onnxruntime ${table.device.onnxruntimeVersion})`);
    } catch (e) {
      fail(e);
    }
  });
