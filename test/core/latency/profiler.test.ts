import { describe, expect, it } from 'vitest';
import { buildTable, medianOverMin } from '../../../core/latency/profiler';
import { convBnRelu, qdqConv } from './fixtures';

describe('latency table build', () => {
  it("pools each node's runs over passes and keeps the fastest, with the load of each pass", async () => {
    const shapes = { x: [1, 8, 16, 16] };
    const t = await buildTable([
      { label: 'conv-bn-relu', shapes, make: convBnRelu },
      { label: 'qdq-conv', shapes, make: qdqConv },
    ], { runs: 4, warmup: 1, passes: 2 });
    expect(t.build).toMatchObject({ passes: 2, runsPerModel: 4 });
    expect(t.build.loadAverage).toHaveLength(2);
    expect(t.sources.map((s) => s.loadAverage?.length)).toEqual([2, 2]);
    expect(t.entries.length).toBeGreaterThanOrEqual(2);
    for (const e of t.entries) {
      expect(e.samples).toBe(4);
      expect(e.us).toBeLessThanOrEqual(e.medianUs!);
    }
    // Sources' kernel sums are the sums of their entries' fastest runs.
    const sum = t.entries.reduce((s, e) => s + e.us, 0) / 1000;
    expect(t.sources.reduce((s, x) => s + x.kernelSumMs, 0)).toBeCloseTo(sum, 9);
  }, 60_000);

  it('takes the median/fastest spread from the quiet measuring windows, not the busy ones', () => {
    const window = (min: number, median: number) => [min, median, median, median * 1.01, median * 1.5];
    const quiet = [window(10, 10.2), window(10, 10.3), window(10, 10.4)];
    const busy = Array.from({ length: 7 }, (_, k) => window(10, 20 + k));
    expect(medianOverMin([...busy, ...quiet])).toBeCloseTo(1.03, 9);
    expect(medianOverMin([window(10, 9)].map((w) => w.map((v) => v * 0)))).toBe(1);
    expect(medianOverMin([])).toBe(1);
  });
});
