import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/data/rng';
import { distinct, gradientError } from './gradcheck';

const TOL = 2e-3;

describe('pooling and resampling gradients', () => {
  it('MaxPool 3×3 stride 2 pad 1 (overlapping windows)', async () => {
    const r = await gradientError({ op: 'MaxPool', inputs: [{ dims: [2, 3, 7, 8], wrt: true, data: distinct(336, new Rng(3)) }], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, samples: 40, eps: 5e-3 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('AveragePool 3×2 stride 2 with pads, excluding pads from the count', async () => {
    const r = await gradientError({ op: 'AveragePool', inputs: [{ dims: [1, 2, 7, 6], wrt: true }], attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1] }, samples: 30 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('AveragePool 2×2 stride 2 leaving a row no window covers', async () => {
    const r = await gradientError({ op: 'AveragePool', inputs: [{ dims: [2, 3, 5, 4], wrt: true }], attrs: { kernel_shape: [2, 2], strides: [2, 2] }, samples: 30 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('BatchNormalization (inference mode) with learned scale and shift', async () => {
    const r = await gradientError({
      op: 'BatchNormalization',
      inputs: [{ dims: [2, 3, 4, 5], wrt: true }, { dims: [3], wrt: true }, { dims: [3], wrt: true }, { dims: [3], data: [0.1, -0.2, 0.3] }, { dims: [3], data: [0.5, 1.5, 2] }],
      attrs: { epsilon: 1e-3 }, floatAttrs: ['epsilon'],
    });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('GlobalAveragePool', async () => {
    const r = await gradientError({ op: 'GlobalAveragePool', inputs: [{ dims: [2, 3, 4, 5], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Resize nearest ×2 asymmetric/floor (detector FPN)', async () => {
    const r = await gradientError({
      op: 'Resize',
      inputs: [{ dims: [1, 2, 3, 4], wrt: true }, { dims: [0], data: [] }, { dims: [4], data: [1, 1, 2, 2] }],
      attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    });
    expect(r.worst).toBeLessThan(TOL);
  });
});
