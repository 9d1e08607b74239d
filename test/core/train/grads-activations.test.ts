import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/data/rng';
import { gradientError, randn } from './gradcheck';

const TOL = 2e-3;
// Activation kinks are kept further than the finite-difference step from every sample.
const away = (n: number, seed: number, from = 0.1) => randn(n, new Rng(seed), from);

describe('activation gradients', () => {
  it('Relu', async () => {
    const r = await gradientError({ op: 'Relu', inputs: [{ dims: [2, 3, 4], wrt: true, data: away(24, 1) }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Clip with constant bounds as inputs', async () => {
    const data = away(30, 2).map((v) => (Math.abs(Math.abs(v) - 1) < 0.05 ? v * 1.2 : v));
    const r = await gradientError({ op: 'Clip', inputs: [{ dims: [5, 6], wrt: true, data }, { dims: [], data: [-1] }, { dims: [], data: [1] }], samples: 30 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('HardSigmoid with PaddleOCR slope 1/6', async () => {
    const data = Float32Array.from({ length: 40 }, (_, i) => -4.05 + i * 0.2);
    const r = await gradientError({ op: 'HardSigmoid', inputs: [{ dims: [4, 10], wrt: true, data }], attrs: { alpha: 1 / 6, beta: 0.5 }, floatAttrs: ['alpha', 'beta'], samples: 40 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('HardSwish (opset 14 op) across all three pieces', async () => {
    const data = Float32Array.from({ length: 40 }, (_, i) => -4.05 + i * 0.2);
    const r = await gradientError({ op: 'HardSwish', inputs: [{ dims: [40], wrt: true, data }], samples: 40, opset: 14 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Softmax over the last axis', async () => {
    const r = await gradientError({ op: 'Softmax', inputs: [{ dims: [3, 4, 6], wrt: true }], attrs: { axis: -1 } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Softmax over a middle axis', async () => {
    const r = await gradientError({ op: 'Softmax', inputs: [{ dims: [2, 5, 3], wrt: true }], attrs: { axis: 1 } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('LogSoftmax', async () => {
    const r = await gradientError({ op: 'LogSoftmax', inputs: [{ dims: [4, 7], wrt: true }], attrs: { axis: 1 } });
    expect(r.worst).toBeLessThan(TOL);
  });
});
