import { describe, expect, it } from 'vitest';
import { quantizeBiasInt32, quantizeWeightInt8 } from '../../../core/quant/weights';

describe('weight quantization', () => {
  it('quantizes per output channel along axis 0 with symmetric int8', () => {
    // Two output channels of 1×1×2: very different magnitudes, which per-tensor scales would crush.
    const w = { data: Float32Array.of(0.0125, -0.02, 5, -2.5), dims: [2, 1, 1, 2] };
    const q = quantizeWeightInt8(w, 0);
    expect([...q.scales].map((s) => s * 127)).toEqual([expect.closeTo(0.02, 6), expect.closeTo(5, 6)]);
    expect([...q.q]).toEqual([79, -127, 127, -64]);
    for (let i = 0; i < 4; i++) expect(Math.abs(q.q[i] * q.scales[i < 2 ? 0 : 1] - w.data[i])).toBeLessThanOrEqual(q.scales[i < 2 ? 0 : 1] / 2);
  });

  it('uses axis 1 for ConvTranspose-shaped weights and clamps to the reduced range', () => {
    const w = { data: Float32Array.of(1, 10, -1, -10), dims: [2, 2] };
    const q = quantizeWeightInt8(w, 1, 63);
    expect(q.scales).toHaveLength(2);
    expect([...q.q]).toEqual([63, 63, -63, -63]);
  });

  it('gives an all-zero channel a usable scale', () => {
    const q = quantizeWeightInt8({ data: new Float32Array(4), dims: [2, 2] }, 0);
    expect([...q.q]).toEqual([0, 0, 0, 0]);
    expect(Math.min(...q.scales)).toBeGreaterThan(0);
  });

  it('quantizes bias with scale input_scale × weight_scale', () => {
    const { q, scales } = quantizeBiasInt32(Float32Array.of(1, -2), 0.5, Float32Array.of(0.01, 0.1));
    expect([...scales]).toEqual([Math.fround(0.005), Math.fround(0.05)]);
    expect([...q]).toEqual([200, -40]);
  });
});
