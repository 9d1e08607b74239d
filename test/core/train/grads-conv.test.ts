import { describe, expect, it } from 'vitest';
import { gradientError } from './gradcheck';

const TOL = 2e-3;

describe('convolution gradients', () => {
  it('Conv 3×3, stride 2, asymmetric pads, with bias', async () => {
    const r = await gradientError({
      op: 'Conv',
      inputs: [{ dims: [2, 3, 9, 8], wrt: true }, { dims: [4, 3, 3, 3], wrt: true }, { dims: [4], wrt: true }],
      attrs: { strides: [2, 2], pads: [1, 0, 0, 1], kernel_shape: [3, 3] },
    });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Conv grouped (2 groups) with dilation', async () => {
    const r = await gradientError({
      op: 'Conv',
      inputs: [{ dims: [1, 4, 7, 7], wrt: true }, { dims: [6, 2, 3, 3], wrt: true }],
      attrs: { group: 2, dilations: [2, 1], pads: [2, 1, 2, 1] },
    });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Conv depthwise 5×5 stride 2 (rows kept that the stride skips)', async () => {
    const r = await gradientError({
      op: 'Conv',
      inputs: [{ dims: [2, 4, 10, 11], wrt: true }, { dims: [4, 1, 5, 5], wrt: true }, { dims: [4], wrt: true }],
      attrs: { group: 4, strides: [2, 2], pads: [2, 2, 2, 2] },
    });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Conv depthwise 3×3 dilation 2, stride 1', async () => {
    const r = await gradientError({
      op: 'Conv',
      inputs: [{ dims: [2, 3, 8, 7], wrt: true }, { dims: [3, 1, 3, 3], wrt: true }],
      attrs: { group: 3, dilations: [2, 2], pads: [2, 2, 2, 2] },
    });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Conv depthwise with channel multiplier 2, stride 2, no pads', async () => {
    const r = await gradientError({
      op: 'Conv',
      inputs: [{ dims: [1, 3, 7, 8], wrt: true }, { dims: [6, 1, 3, 3], wrt: true }],
      attrs: { group: 3, strides: [2, 2] },
    });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Conv pointwise 1×1 (no patches conv)', async () => {
    const r = await gradientError({
      op: 'Conv',
      inputs: [{ dims: [3, 5, 4, 6], wrt: true }, { dims: [7, 5, 1, 1], wrt: true }, { dims: [7], wrt: true }],
    });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Conv with SAME_UPPER auto padding', async () => {
    const r = await gradientError({
      op: 'Conv',
      inputs: [{ dims: [1, 2, 6, 5], wrt: true }, { dims: [3, 2, 2, 3], wrt: true }],
      attrs: { auto_pad: 'SAME_UPPER', strides: [2, 1] },
    });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('ConvTranspose 2×2 stride 2 (detector upsampling) with bias', async () => {
    const r = await gradientError({
      op: 'ConvTranspose',
      inputs: [{ dims: [2, 3, 4, 5], wrt: true }, { dims: [3, 2, 2, 2], wrt: true }, { dims: [2], wrt: true }],
      attrs: { strides: [2, 2] },
    });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('ConvTranspose grouped 3×3 stride 2 with pads and output_padding', async () => {
    const r = await gradientError({
      op: 'ConvTranspose',
      inputs: [{ dims: [1, 4, 3, 4], wrt: true }, { dims: [4, 3, 3, 3], wrt: true }],
      attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 0], group: 2 },
    });
    expect(r.worst).toBeLessThan(TOL);
  });
});
