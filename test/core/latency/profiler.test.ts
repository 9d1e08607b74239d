import { describe, expect, it } from 'vitest';
import { buildTable, medianOverMin, quietRunTimes } from '../../../core/latency/profiler';
import { convBnRelu, qdqConv } from './fixtures';

describe('latency table build', () => {
  it("pools each node's runs over passes, with the load of each pass", async () => {
    const shapes = { x: [1, 8, 16, 16] };
    const t = await buildTable([
      { label: 'conv-bn-relu', shapes, make: convBnRelu },
      { label: 'qdq-conv', shapes, make: qdqConv },
    ], { runs: 4, warmup: 1, passes: 2 });
    expect(t.build).toMatchObject({ passes: 2, runsPerModel: 4 });
    expect(t.build.loadAverage).toHaveLength(2);
    expect(t.sources.map((s) => s.loadAverage?.length)).toEqual([2, 2]);
    expect(t.entries.length).toBeGreaterThanOrEqual(2);
    for (const e of t.entries) expect(e.samples).toBe(4);
    // Sources' kernel sums are the sums of their entries.
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

  it('costs nodes from whole quiet runs, not from each node\'s luckiest moment', () => {
    // Two nodes, each preempted in a different run: per-node minima (10 + 10) describe no run that happened.
    const a = [10, 30, 11, 12, 10.5, 40];
    const b = [30, 10, 11, 12, 10.5, 40];
    const q = quietRunTimes([a, b]);
    // Quietest third of 6 runs = runs 2 and 4 (sums 22 and 21).
    expect(q).toEqual([10.75, 10.75]);
    expect(q[0] + q[1]).toBeGreaterThan(Math.min(...a) + Math.min(...b));
    // Runs that do not line up (a node missing from a pass) fall back to per-node minima.
    expect(quietRunTimes([[5, 6], [7]])).toEqual([5, 7]);
  });
});
