import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTable } from '../../../core/latency/profiler';
import { predictOrMeasure } from '../../../core/latency/service';
import { writeTable } from '../../../core/latency/table';
import { encodeModel } from '../../../core/onnx/model-io';
import { convBnRelu } from './fixtures';

describe('predictOrMeasure (what the estimateLatency activity reports)', () => {
  it('predicts from a table when given one, and measures (saying why) when not', async () => {
    const shape = [1, 8, 16, 16];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-svc-')), 't.json');
    writeTable(await buildTable([{ label: 'c', shapes: { x: shape }, make: convBnRelu }], { runs: 2, warmup: 1 }), file);
    const bytes = encodeModel(convBnRelu());
    const saved = process.env.SLIMFLOW_LATENCY_TABLE;
    delete process.env.SLIMFLOW_LATENCY_TABLE;
    try {
      const p = await predictOrMeasure(bytes, { table: file, inputs: [{ name: 'x', dtype: 'float32', shape }], threads: 1 });
      expect(p.latency.method).toBe('predicted');
      expect(p.latency.table).toBe(file);
      expect(p.latencyMs).toBe(p.latency.totalMs);
      const m = await predictOrMeasure(bytes, { inputs: [{ name: 'x', dtype: 'float32', shape }], threads: 1 });
      expect(m.latency.method).toBe('measured');
      expect(String(m.latency.reason)).toMatch(/no latency table/);
      process.env.SLIMFLOW_LATENCY_TABLE = file;
      expect((await predictOrMeasure(bytes, { inputs: [{ name: 'x', dtype: 'float32', shape }], threads: 1 })).latency.method).toBe('predicted');
    } finally {
      if (saved === undefined) delete process.env.SLIMFLOW_LATENCY_TABLE; else process.env.SLIMFLOW_LATENCY_TABLE = saved;
    }
  }, 60_000);
});
