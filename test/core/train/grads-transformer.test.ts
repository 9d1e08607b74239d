import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/data/rng';
import { gradientError } from './gradcheck';

const TOL = 2e-3;

describe('transformer and detector gradients, checked by finite differences', () => {
  it('LayerNormalization over the last axis: x, scale and bias', async () => {
    const r = await gradientError({ op: 'LayerNormalization', opset: 17, inputs: [{ dims: [2, 3, 6], wrt: true }, { dims: [6], wrt: true }, { dims: [6], wrt: true }], attrs: { axis: -1, epsilon: 1e-5 }, floatAttrs: ['epsilon'], samples: 24 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('LayerNormalization over the last two axes, no bias', async () => {
    const r = await gradientError({ op: 'LayerNormalization', opset: 17, inputs: [{ dims: [2, 3, 4], wrt: true }, { dims: [3, 4], wrt: true }], attrs: { axis: 1 } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Gelu (exact, opset 20)', async () => {
    const r = await gradientError({ op: 'Gelu', opset: 20, inputs: [{ dims: [3, 5], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Gelu (tanh approximation)', async () => {
    const r = await gradientError({ op: 'Gelu', opset: 20, inputs: [{ dims: [3, 5], wrt: true }], attrs: { approximate: 'tanh' } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Tanh and Reciprocal', async () => {
    expect((await gradientError({ op: 'Tanh', inputs: [{ dims: [3, 4], wrt: true }] })).worst).toBeLessThan(TOL);
    const away = new Rng(3);
    const data = Array.from({ length: 12 }, () => (away.uniform(0, 1) < 0.5 ? -1 : 1) * away.uniform(0.8, 2));
    expect((await gradientError({ op: 'Reciprocal', inputs: [{ dims: [3, 4], wrt: true, data }], eps: 1e-3 })).worst).toBeLessThan(TOL);
  });
  it('Softmax over the last axis of attention scores', async () => {
    const r = await gradientError({ op: 'Softmax', inputs: [{ dims: [2, 2, 3, 3], wrt: true }], attrs: { axis: -1 } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Gather rows of an embedding table, a repeated and a negative id included', async () => {
    const r = await gradientError({ op: 'Gather', inputs: [{ dims: [7, 4], wrt: true }, { dims: [2, 3], ints: [1, 3, 3, 0, -1, 5] }], samples: 28 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Gather along axis 1 (a token picked from [batch, seq, hidden])', async () => {
    const r = await gradientError({ op: 'Gather', inputs: [{ dims: [2, 5, 3], wrt: true }, { dims: [2], ints: [0, 4] }], attrs: { axis: 1 }, samples: 30 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Gather with a scalar index along the last axis', async () => {
    const r = await gradientError({ op: 'Gather', inputs: [{ dims: [2, 3, 4], wrt: true }, { dims: [], ints: [2] }], attrs: { axis: 2 }, samples: 24 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Where with both branches broadcast', async () => {
    const cond = [true, false, false, true, true, false];
    const r = await gradientError({ op: 'Where', inputs: [{ dims: [2, 3], bools: cond }, { dims: [2, 3], wrt: true }, { dims: [1, 3], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Expand to a larger rank', async () => {
    const r = await gradientError({ op: 'Expand', inputs: [{ dims: [3, 1], wrt: true }, { dims: [3], ints: [2, 3, 4] }] });
    expect(r.worst).toBeLessThan(TOL);
  });
});

describe('Pad', () => {
  it('constant mode with pads on two axes (input form, opset 13)', async () => {
    const r = await gradientError({ op: 'Pad', inputs: [{ dims: [1, 2, 3, 4], wrt: true }, { dims: [8], ints: [0, 0, 1, 2, 0, 0, 2, 1] }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('constant mode with a pad value and axes (opset 18)', async () => {
    const r = await gradientError({ op: 'Pad', opset: 18, inputs: [{ dims: [2, 3, 4], wrt: true }, { dims: [4], ints: [1, 0, 2, 3] }, { dims: [], data: [0.5] }, { dims: [2], ints: [-2, 2] }] });
    expect(r.worst).toBeLessThan(TOL);
  });
});
