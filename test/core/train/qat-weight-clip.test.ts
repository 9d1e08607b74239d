import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/data/rng';
import { clipWeightForQuant, fakeQuantWeight } from '../../../core/train/fake-quant';

const sqErr = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);

describe('4-bit weight clipping for QAT', () => {
  // Two output channels of 64: one Gaussian-like with one large outlier, one uniform without.
  const rng = new Rng(5);
  const dims = [2, 64];
  const w = new Float32Array(128);
  for (let i = 0; i < 64; i++) w[i] = (rng.uniform(-1, 1) + rng.uniform(-1, 1) + rng.uniform(-1, 1)) / 3;
  w[7] = 4;
  for (let i = 64; i < 128; i++) w[i] = rng.uniform(-1, 1);

  it('clips an outlier channel so that 4-bit quantization loses less than with its abs-max', () => {
    const clipped = clipWeightForQuant(w, dims, 0, 7);
    const absMaxErr = sqErr(w.subarray(0, 64), fakeQuantWeight(w, dims, 0, 7).subarray(0, 64));
    const clippedErr = sqErr(w.subarray(0, 64), fakeQuantWeight(clipped, dims, 0, 7).subarray(0, 64));
    expect(clippedErr).toBeLessThan(absMaxErr * 0.9);
    expect(Math.max(...clipped.subarray(0, 64).map(Math.abs))).toBeLessThan(4);
  });

  it('only ever shrinks magnitudes, channel by channel, and keeps signs', () => {
    const clipped = clipWeightForQuant(w, dims, 0, 7);
    for (let i = 0; i < w.length; i++) {
      expect(Math.abs(clipped[i])).toBeLessThanOrEqual(Math.abs(w[i]));
      expect(Math.sign(clipped[i]) === Math.sign(w[i]) || clipped[i] === 0).toBe(true);
    }
    // The uniform channel has no outlier to cut: its largest magnitude stays within one 4-bit step.
    const top = Math.max(...w.subarray(64).map(Math.abs));
    expect(Math.max(...clipped.subarray(64).map(Math.abs))).toBeGreaterThan(top * (1 - 1 / 7));
  });
});
