import { beforeAll, describe, expect, it } from 'vitest';
import { estimateLatency, zeroWeightShare } from '../../../core/latency/estimate';
import { LatencyPredictor } from '../../../core/latency/predictor';
import { buildTable } from '../../../core/latency/profiler';
import { structureKey } from '../../../core/latency/structure-key';
import { convBnRelu } from './fixtures';

const shapes = { x: [1, 8, 16, 16] };

/** The conv weight of a convBnRelu model, as floats over its raw bytes. */
const weightOf = (m: ReturnType<typeof convBnRelu>) => {
  const w = m.graph.initializer.find((t) => t.name === 'w')!;
  return { w, data: new Float32Array(new Uint8Array(w.rawData!).slice().buffer) };
};

describe('estimates of a structure seen before', () => {
  let predictor: LatencyPredictor;
  beforeAll(async () => {
    predictor = new LatencyPredictor(await buildTable([{ label: 'c', shapes, make: convBnRelu }], { runs: 2, warmup: 1, passes: 1 }));
  }, 60_000);

  it('reuse the optimized graph and the costs, and a caller cannot spoil them', async () => {
    const model = convBnRelu();
    const first = await estimateLatency(model, predictor, { shapes });
    const again = await estimateLatency(convBnRelu(), predictor, { shapes });
    expect(first.timing.cachedGraph).toBe(false);
    expect(again.timing.cachedGraph).toBe(true);
    expect(again.predictedMs).toBe(first.predictedMs);
    for (const b of again.breakdown) b.us *= 100;
    const third = await estimateLatency(model, predictor, { shapes });
    expect(third.breakdown.map((b) => b.us)).toEqual(first.breakdown.map((b) => b.us));
    const uncached = await estimateLatency(model, predictor, { shapes, cache: false });
    expect(uncached.timing.cachedGraph).toBe(false);
    expect(uncached.predictedMs).toBeCloseTo(first.predictedMs, 9);
  });

  it('with graph-only caching, reuse the optimized graph but cost it again', async () => {
    const model = convBnRelu();
    const first = await estimateLatency(model, predictor, { shapes });
    const scale = predictor.table.medianOverMin;
    try {
      // A changed median/fastest scale is seen only by an estimate that walks and costs the graph again.
      predictor.table.medianOverMin = scale * 2;
      const cachedCosts = await estimateLatency(model, predictor, { shapes });
      const recosted = await estimateLatency(model, predictor, { shapes, cache: 'graph-only' });
      expect(cachedCosts.predictedMs).toBe(first.predictedMs);
      expect(recosted.timing.cachedGraph).toBe(true);
      expect(recosted.kernelMs).toBeCloseTo(first.kernelMs * 2, 9);
    } finally {
      predictor.table.medianOverMin = scale;
    }
  });

  it('key on structure and small constants, not on the values of large weights', () => {
    const a = convBnRelu();
    const b = convBnRelu();
    const { w, data } = weightOf(b);
    data[0] += 1;
    w.rawData = new Uint8Array(data.buffer);
    expect(structureKey(b, shapes, 1)).toBe(structureKey(a, shapes, 1));
    const c = convBnRelu();
    c.graph.initializer.find((t) => t.name === 's')!.rawData = new Uint8Array(new Float32Array(16).fill(2).buffer);
    expect(structureKey(c, shapes, 1)).not.toBe(structureKey(a, shapes, 1));
    expect(structureKey(a, { x: [2, 8, 16, 16] }, 1)).not.toBe(structureKey(a, shapes, 1));
  });

  it('count zero weights the same whether or not the raw bytes are 4-byte aligned', () => {
    const m = convBnRelu();
    const { w, data } = weightOf(m);
    // Every 4th weight zero, half of them as -0.0 (the sign bit set): a quarter of the weights in all.
    data.fill(0.5);
    for (let i = 0; i < data.length; i += 4) data[i] = i % 8 ? 0 : -0;
    const bytes = new Uint8Array(data.buffer);
    w.rawData = bytes;
    expect(zeroWeightShare(m)).toBeCloseTo(0.25, 9);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    w.rawData = shifted.subarray(1);
    expect(zeroWeightShare(m)).toBeCloseTo(0.25, 9);
    // A Buffer view into a larger pool, as a decoded model file hands them out (Buffer#slice does not copy).
    const pool = Buffer.alloc(bytes.length + 7);
    pool.set(bytes, 3);
    w.rawData = pool.subarray(3, 3 + bytes.length);
    expect(zeroWeightShare(m)).toBeCloseTo(0.25, 9);
  });
});

