import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { estimateLatency } from '../../../core/latency/estimate';
import { forgetGraphs } from '../../../core/latency/graph-cache';
import { LatencyPredictor } from '../../../core/latency/predictor';
import { buildTable } from '../../../core/latency/profiler';
import { LatencyTable } from '../../../core/latency/table';
import { loadPpOcr } from '../../../core/latency/variants';
import { convBnRelu } from './fixtures';

const shapes = { x: [1, 8, 16, 16] };
const saved = process.env.SLIMFLOW_GRAPH_CACHE;

describe('optimized graphs cached on disk for other processes', () => {
  let table: LatencyTable;
  beforeAll(async () => {
    table = await buildTable([{ label: 'c', shapes, make: convBnRelu }], { runs: 2, warmup: 1, passes: 1 });
  }, 60_000);
  afterEach(() => {
    if (saved === undefined) delete process.env.SLIMFLOW_GRAPH_CACHE; else process.env.SLIMFLOW_GRAPH_CACHE = saved;
    forgetGraphs();
  });
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-graph-cache-test-'));

  it('serve a structure another process optimized, costed exactly as the full graph (weights stored as dims only)', async () => {
    const dir = tmp();
    process.env.SLIMFLOW_GRAPH_CACHE = dir;
    const cases = [{ m: convBnRelu, s: shapes }, { m: () => loadPpOcr('cls'), s: { x: [8, 3, 48, 192] } }];
    for (const { m, s } of cases) {
      forgetGraphs();
      const first = await estimateLatency(m(), new LatencyPredictor(table), { shapes: s });
      expect(first.timing.cachedGraph).toBe(false);
      // As a new process would: nothing in memory, a predictor that has costed nothing yet.
      forgetGraphs();
      const again = await estimateLatency(m(), new LatencyPredictor(table), { shapes: s });
      expect(again.timing.cachedGraph).toBe(true);
      expect(again.breakdown).toEqual(first.breakdown);
      expect(again.predictedMs).toBe(first.predictedMs);
    }
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(2);
    // The cls entry holds no weight values: far smaller than the model itself.
    expect(Math.min(...files.map((f) => fs.statSync(path.join(dir, f)).size))).toBeLessThan(20_000);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('treat an unreadable entry as a miss and write it again', async () => {
    const dir = tmp();
    process.env.SLIMFLOW_GRAPH_CACHE = dir;
    await estimateLatency(convBnRelu(), new LatencyPredictor(table), { shapes });
    const [file] = fs.readdirSync(dir);
    fs.writeFileSync(path.join(dir, file), 'not a model');
    forgetGraphs();
    const est = await estimateLatency(convBnRelu(), new LatencyPredictor(table), { shapes });
    expect(est.timing.cachedGraph).toBe(false);
    forgetGraphs();
    expect((await estimateLatency(convBnRelu(), new LatencyPredictor(table), { shapes })).timing.cachedGraph).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('write nothing when no cache directory is configured', async () => {
    delete process.env.SLIMFLOW_GRAPH_CACHE;
    const est = await estimateLatency(convBnRelu(), new LatencyPredictor(table), { shapes });
    expect(est.timing.cachedGraph).toBe(false);
    forgetGraphs();
    expect((await estimateLatency(convBnRelu(), new LatencyPredictor(table), { shapes })).timing.cachedGraph).toBe(false);
  }, 60_000);
});
