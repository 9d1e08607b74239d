import { describe, expect, it } from 'vitest';
import { batchOfValues, calibratorNames, getCalibrator } from '../../../core/quant/calibrators';
import { SlimflowError } from '../../../core/errors';
import { scanFinite, StreamingHistogram } from '../../../core/quant/histogram';
import { expectedError } from '../../../core/quant/histogram-search';
import { uint8Params } from '../../../core/quant/ranges';
import { batchesOf, gaussian, gaussianWithOutliers, rng, sampleMse, sampleW1 } from './calibration-fixtures';

/** Run one calibrator over batches of one tensor and return its range. */
function calibrate(name: string, batches: Float32Array[], params: unknown = {}) {
  const c = getCalibrator(name);
  const p = c.paramsSchema.parse(params);
  const stats = c.initStatistics(['t'], p);
  for (const b of batches) c.observe(stats, 't', batchOfValues(b, 't'), p);
  return c.computeRanges(stats, p).t;
}

const clippedFamily = (x: Float32Array, t: number) => {
  let lo = Infinity; let hi = -Infinity;
  for (const v of x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return { min: Math.max(lo, -t), max: Math.min(hi, t) };
};

describe('streaming histogram', () => {
  it('equals the one-shot histogram whatever the batch size and order', () => {
    // Growing magnitudes force several re-binnings while streaming.
    const x = Float32Array.from(gaussian(20000, 1), (v, i) => v * (1 + i / 2000));
    const oneShot = new StreamingHistogram(256);
    oneShot.add(x, scanFinite(x, 'x'));
    for (const size of [37, 1000, 7777]) {
      for (const order of ['forward', 'reverse']) {
        const h = new StreamingHistogram(256);
        const parts = batchesOf(x, size);
        if (order === 'reverse') parts.reverse();
        for (const b of parts) h.add(b, scanFinite(b, 'x'));
        expect(h.halfRange).toBe(oneShot.halfRange);
        expect([...h.counts]).toEqual([...oneShot.counts]);
        expect([h.min, h.max, h.total]).toEqual([oneShot.min, oneShot.max, oneShot.total]);
      }
    }
  });

  it('keeps zeros seen before any non-zero value, and folds |x| correctly', () => {
    const h = new StreamingHistogram(4);
    h.add(new Float32Array(5), { min: 0, max: 0 });
    h.add(Float32Array.of(-3, 0.5), { min: -3, max: 0.5 });
    expect(h.halfRange).toBe(4);
    expect(h.total).toBe(7);
    // 0.5 shares bin [0, 1) with the zeros; -3 sits on the lower edge of bin [-3, -2), |x| bin (2, 3].
    expect([...h.counts]).toEqual([0, 1, 0, 0, 6, 0, 0, 0]);
    expect([...h.absCounts()]).toEqual([6, 0, 1, 0]);
  });

  it('counts exact zeros of either sign when asked to, including those seen before any range', () => {
    const h = new StreamingHistogram(4, true);
    h.add(new Float32Array(3), { min: 0, max: 0 });
    h.add(Float32Array.of(-0, 1e-30, 0, -2, 0, 3, 0), { min: -2, max: 3 });
    expect(h.zeros).toBe(3 + 4);
    expect(new StreamingHistogram(4).zeros).toBe(0);
  });

  it('expected squared error matches the sampled round-trip error', () => {
    const r = rng(3);
    const x = Float32Array.from({ length: 200000 }, () => r() * 6 - 1);
    const h = new StreamingHistogram(2048);
    h.add(x, scanFinite(x, 'x'));
    for (const range of [{ min: -1, max: 5 }, { min: -0.5, max: 2 }, { min: 0, max: 0.7 }]) {
      expect(expectedError(h, range, 'squared')).toBeCloseTo(sampleMse(x, range), 4);
      expect(expectedError(h, range, 'squared') / sampleMse(x, range)).toBeGreaterThan(0.97);
    }
  });
});

describe('activation calibrators on a Gaussian with outliers', () => {
  const x = gaussianWithOutliers(20000, 7);
  const batches = batchesOf(x, 5000);
  const tGrid = [...Array.from({ length: 451 }, (_, k) => 1 + k * 0.02), ...Array.from({ length: 36 }, (_, k) => 10 + k)];

  it('abs_max keeps rare outliers, avg averages them away, hist/mse/KL/emd clip them', () => {
    // 4 outliers per million: rare enough that clipping them costs less squared error than the
    // coarser grid keeping them would (about 5 per million is the break-even for 8 bits).
    const big = gaussianWithOutliers(1_000_000, 11, 4, 40);
    const bigBatches = batchesOf(big, 100_000);
    const absMax = calibrate('abs_max', bigBatches);
    expect(absMax.max).toBeGreaterThanOrEqual(40);
    expect(absMax.min).toBeLessThanOrEqual(-40);
    const avg = calibrate('avg', bigBatches);
    expect(avg.max).toBeLessThan(absMax.max / 2);
    expect(avg.max).toBeGreaterThan(3);
    for (const name of ['hist', 'mse', 'KL', 'emd']) {
      const r = calibrate(name, bigBatches);
      // mse stops short of the bulk: clipping a 40 to 5 costs 35² per outlier (it settles near 18).
      expect(r.max, name).toBeLessThan(20);
      expect(r.min, name).toBeGreaterThan(-20);
      expect(r.max, name).toBeGreaterThan(2);
      expect(r.min, name).toBeLessThan(-2);
      expect(r.count).toBe(big.length);
    }
    const relu = Float32Array.from(big, (v) => Math.max(0, v));
    for (const name of ['hist', 'mse', 'KL', 'emd']) {
      const r = calibrate(name, batchesOf(relu, 250_000));
      expect(r.min, name).toBe(0);
      // One-sided data gets all 255 steps, so keeping the two positive outliers is cheaper for mse (≈31).
      expect(r.max, name).toBeLessThan(name === 'mse' ? 39 : 15);
      expect(r.max, name).toBeGreaterThan(2);
    }
  });

  it('avg is the mean of per-batch extremes', () => {
    const b = [Float32Array.of(-1, 2), Float32Array.of(-3, 4), Float32Array.of(0.5, 1)];
    expect(calibrate('avg', b)).toEqual({ min: -3.5 / 3, max: 7 / 3, count: 6 });
    expect(calibrate('avg', b, { symmetric: true })).toEqual({ min: -7 / 3, max: 7 / 3, count: 6 });
  });

  it('hist clips at the hist_percent quantile of |x| (within one bin)', () => {
    const sorted = Float64Array.from(x, Math.abs).sort();
    for (const q of [0.999, 0.9999]) {
      const r = calibrate('hist', batches, { hist_percent: q, bins: 4096 });
      const exact = sorted[Math.ceil(q * sorted.length) - 1];
      const binWidth = 64 / 4096;
      expect(Math.abs(r.max - exact)).toBeLessThanOrEqual(binWidth);
    }
    // ptqTrial's spelling of the same parameter.
    expect(calibrate('hist', batches, { percentile: 0.999 })).toEqual(calibrate('hist', batches, { hist_percent: 0.999 }));
  });

  it('mse is within 2% of the brute-force best threshold on the samples', () => {
    const r = calibrate('mse', batches);
    let best = Infinity;
    for (const t of tGrid) best = Math.min(best, sampleMse(x, clippedFamily(x, t)));
    expect(sampleMse(x, r)).toBeLessThanOrEqual(best * 1.02);
  });

  it('emd is within 2% of the brute-force best Wasserstein-1 threshold (sorted samples)', () => {
    const r = calibrate('emd', batches);
    let best = Infinity;
    let bestT = 0;
    for (const t of tGrid.filter((_, k) => k % 3 === 0)) {
      const d = sampleW1(x, clippedFamily(x, t));
      if (d < best) { best = d; bestT = t; }
    }
    expect(sampleW1(x, r)).toBeLessThanOrEqual(best * 1.01);
    expect(bestT).toBeLessThan(15);
  });

  it('KL keeps the whole range of a uniform distribution (nothing to clip)', () => {
    const r0 = rng(5);
    const u = Float32Array.from({ length: 100000 }, () => r0() * 2 - 1);
    const r = calibrate('KL', batchesOf(u, 25000));
    expect(r.max).toBeGreaterThan(0.95);
    expect(r.min).toBeLessThan(-0.95);
  });

});

describe('bad activations', () => {
  it('reject NaN and Inf on the host with INVALID_DATA naming the tensor', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      try {
        batchOfValues(Float32Array.of(1, bad, 2), 'conv_out');
        expect.unreachable(String(bad));
      } catch (e) {
        expect(e).toBeInstanceOf(SlimflowError);
        expect((e as SlimflowError).code).toBe('INVALID_DATA');
        expect((e as Error).message).toContain('conv_out');
      }
    }
  });

  it('give all-zero and constant tensors a finite, non-zero scale, for every calibrator', () => {
    for (const name of calibratorNames()) {
      for (const v of [0, 2.5, -1]) {
        const r = calibrate(name, [new Float32Array(100).fill(v), new Float32Array(50).fill(v)]);
        const q = uint8Params(r);
        expect(Number.isFinite(q.scale) && q.scale > 0, `${name} ${v}`).toBe(true);
        if (v !== 0) expect(Math.max(Math.abs(r.min), Math.abs(r.max)), `${name} ${v}`).toBeCloseTo(Math.abs(v), 5);
      }
    }
  });
});

describe('the registry', () => {
  // (Each calibrator's params schema is derived from its declaration in core/quant/calibrators/catalog.ts;
  // test/core/components/ptq-params.test.ts checks the declared defaults are what every reader gets.)
  it('knows every calibrator by name, takes empty parameters, and refuses an unknown name naming the key', () => {
    for (const name of calibratorNames()) expect(getCalibrator(name).paramsSchema.parse({})).toBeDefined();
    expect(calibratorNames()).toEqual(['abs_max', 'avg', 'hist', 'KL', 'mse', 'emd']);
    expect(() => getCalibrator('distribution', 'QuantPost.algo')).toThrow(/^unknown calibrator "distribution"; known calibrators: abs_max, avg, hist, KL, mse, emd \(also minmax = abs_max, entropy = KL, percentile = hist\) \(at QuantPost\.algo\)$/);
    expect([getCalibrator('minmax').name, getCalibrator('Entropy').name, getCalibrator('percentile').name, getCalibrator('kl').name]).toEqual(['abs_max', 'KL', 'hist', 'KL']);
  });
});
