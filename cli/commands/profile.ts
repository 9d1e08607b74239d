import { Command } from 'commander';
import { buildTable, defaultSources } from '../../core/latency/profiler';
import { writeTable } from '../../core/latency/table';
import { emit, fail, info } from '../output';

/** `slimflow profile --out <table.json>`: measure this machine's latency table. */
export const profileCommand = new Command('profile')
  .description('build a latency table for this machine: per-node kernel times of a designed sample of PP-OCR-derived graphs (FP32 and INT8)')
  .requiredOption('--out <file>', 'where to write the table (JSON)')
  .option('--threads <n>', 'intra-op threads to measure at', (v) => Number(v), 1)
  .option('--runs <n>', 'timed runs per model in all (the fastest counts per node)', (v) => Number(v), 9)
  .option('--passes <n>', 'sweeps over all models the runs are split into (a burst of load then spoils one sweep, not all)', (v) => Number(v), 3)
  .option('--json', 'print a summary as one JSON object on the last line')
  .action(async (opts: { out: string; threads: number; runs: number; passes: number; json?: boolean }) => {
    try {
      const table = await buildTable(defaultSources(), { threads: opts.threads, runs: opts.runs, passes: opts.passes, onProgress: info });
      writeTable(table, opts.out);
      const ops = new Set(table.entries.map((e) => e.config.op)).size;
      const summary = { table: opts.out, entries: table.entries.length, opFamilies: ops, threads: table.threads, seconds: table.build.seconds, loadAverage: table.build.loadAverage, overhead: table.overhead, device: table.device };
      emit(!!opts.json, summary, () => `${opts.out}: ${table.entries.length} measured nodes, ${ops} op families, ${table.threads} thread(s), built in ${table.build.seconds.toFixed(0)} s on ${table.device.cpuModel} (onnxruntime ${table.device.onnxruntimeVersion})`);
    } catch (e) {
      fail(e);
    }
  });
