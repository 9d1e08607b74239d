import { describe, expect, it } from 'vitest';
import { batchOfValues, getCalibrator } from '../../../core/quant/calibrators';
import { argminJumpy, SliceDivergence, sliceDivergence } from '../../../core/quant/calibrators/kl';
import { batchesOf, gaussianWithOutliers, hardSwishLike, rng, seReluLike } from './calibration-fixtures';

function kl(batches: Float32Array[]) {
  const c = getCalibrator('KL');
  const p = c.paramsSchema.parse({});
  const stats = c.initStatistics(['t'], p);
  for (const b of batches) c.observe(stats, 't', batchOfValues(b, 't'), p);
  return { range: c.computeRanges(stats, p).t, h: stats.t as { binWidth: number; binsPerSide: number } };
}

/**
 * The entropy calibrator's divergence for the slice [-i·w, i·w), straight from the samples and written
 * out plainly (onnxruntime's construction; exact zeros left out, as a quantizer keeps them exact): P is
 * the slice's histogram with the samples beyond it added to its end bins, Q the slice without them
 * squeezed into 255 levels, each level's mass spread over its non-empty bins.
 */
function bruteDivergence(x: Float32Array, w: number, i: number, levels = 255): number {
  const n = 2 * i;
  const inside = new Float64Array(n);
  let left = 0;
  let right = 0;
  for (const v of x) {
    if (v === 0) continue;
    const k = Math.floor(v / w) + i;
    if (k < 0) left++;
    else if (k >= n) right++;
    else inside[k]++;
  }
  const p = Float64Array.from(inside);
  p[0] += left;
  p[n - 1] += right;
  const q = new Float64Array(n);
  for (let l = 0; l < levels; l++) {
    const a = Math.floor((l * n) / levels);
    const b = Math.floor(((l + 1) * n) / levels);
    let mass = 0;
    let filled = 0;
    for (let j = a; j < b; j++) if (inside[j] > 0) { mass += inside[j]; filled++; }
    for (let j = a; j < b; j++) if (inside[j] > 0) q[j] = mass / filled;
  }
  const sp = p.reduce((s, v) => s + v, 0);
  const sq = q.reduce((s, v) => s + v, 0);
  let d = 0;
  for (let j = 0; j < n; j++) if (p[j] > 0) d += (p[j] / sp) * Math.log(p[j] / sp / (q[j] > 0 ? q[j] / sq : 1e-12));
  return d;
}

describe('KL (entropy) calibrator', () => {
  it('computes the plain slice divergence from prefix sums', () => {
    const r = rng(9);
    for (let t = 0; t < 200; t++) {
      const counts = Float64Array.from({ length: 64 }, () => (r() < 0.3 ? 0 : Math.floor(r() * 1000)));
      const from = Math.floor(r() * 30);
      const to = from + 1 + Math.floor(r() * (63 - from));
      const levels = 1 + Math.floor(r() * 20);
      expect(new SliceDivergence(counts).divergence(from, to, levels)).toBeCloseTo(sliceDivergence(counts, from, to, levels), 9);
    }
  });

  it('picks the brute-force threshold on a heavy-tailed HardSwish output (rec\'s head)', () => {
    const x = hardSwishLike(100_000, 3);
    const { range, h } = kl(batchesOf(x, 25_000));
    const w = h.binWidth;
    let max = 0;
    for (const v of x) max = Math.max(max, Math.abs(v));
    const jMax = Math.ceil(max / w);
    let best = Infinity;
    for (let i = h.binsPerSide / 16; i <= jMax; i++) best = Math.min(best, bruteDivergence(x, w, i));
    const chosen = Math.min(jMax, Math.round(range.max / w));
    // The search is coarse-to-fine: within 2% of the exhaustive minimum (a flat valley: its index may be far).
    expect(bruteDivergence(x, w, chosen)).toBeLessThanOrEqual(best * 1.02);
    // Folding onto |x| stacked the dense negative part on the tail and clipped to a tenth of the range.
    expect(range.max).toBeGreaterThan(max / 4);
    expect(range.min).toBeCloseTo(-0.375, 2);
  });

  it('is not moved by exact zeros (an SE block\'s ReLU: 60% zeros, 2% of values at 10-15)', () => {
    const x = seReluLike(3840, 4);
    const nonZero = x.filter((v) => v !== 0);
    const withZeros = kl([x]).range;
    expect(withZeros.max).toBe(kl([nonZero]).range.max);
    // The zero spike used to pull the threshold to 1.5, clipping every large value.
    expect(withZeros.max).toBeGreaterThan(10);
  });

  it('the coarse-to-fine search lands near the exhaustive minimum on a Gaussian with outliers', () => {
    const x = gaussianWithOutliers(20000, 7);
    const counts = new Float64Array(4096);
    for (const v of x) counts[Math.min(4095, Math.floor(v / (64 / 4096)) + 2048)]++;
    const d = new SliceDivergence(counts);
    const cost = (i: number) => d.divergence(2048 - i, 2048 + i, 255);
    let best = Infinity;
    let bestI = 0;
    for (let i = 128; i <= 2048; i++) if (cost(i) < best) { best = cost(i); bestI = i; }
    const i = argminJumpy(128, 2048, cost);
    // The divergence jumps 2x between neighbouring thresholds here; the exhaustive minimum is a one-index dip.
    expect(cost(i)).toBeLessThanOrEqual(best * 1.15);
    expect(Math.abs(i - bestI)).toBeLessThanOrEqual(2048 / 32);
  });
});
