import { describe, expect, it } from 'vitest';
import { gradientError } from './gradcheck';

const TOL = 2e-3;

describe('reshaping, reduction and matrix gradients', () => {
  it('Reshape', async () => {
    const r = await gradientError({ op: 'Reshape', inputs: [{ dims: [2, 3, 4], wrt: true }, { dims: [2], ints: [6, -1] }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Flatten at axis 2', async () => {
    const r = await gradientError({ op: 'Flatten', inputs: [{ dims: [2, 3, 4, 2], wrt: true }], attrs: { axis: 2 } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Squeeze', async () => {
    const r = await gradientError({ op: 'Squeeze', inputs: [{ dims: [2, 1, 4], wrt: true }, { dims: [1], ints: [1] }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Unsqueeze', async () => {
    const r = await gradientError({ op: 'Unsqueeze', inputs: [{ dims: [2, 4], wrt: true }, { dims: [2], ints: [0, 2] }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Transpose with a non-involution permutation', async () => {
    const r = await gradientError({ op: 'Transpose', inputs: [{ dims: [2, 3, 4], wrt: true }], attrs: { perm: [1, 2, 0] } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Concat of three along axis 1', async () => {
    const r = await gradientError({ op: 'Concat', inputs: [{ dims: [2, 1, 3], wrt: true }, { dims: [2, 4, 3], wrt: true }, { dims: [2, 2, 3], wrt: true }], attrs: { axis: 1 } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Split into uneven parts', async () => {
    const r = await gradientError({ op: 'Split', inputs: [{ dims: [3, 7], wrt: true }, { dims: [3], ints: [2, 4, 1] }], attrs: { axis: 1 }, outputs: 3 });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Slice on data with negative indices and axes', async () => {
    const r = await gradientError({ op: 'Slice', inputs: [{ dims: [3, 8, 5], wrt: true }, { dims: [2], ints: [1, -4] }, { dims: [2], ints: [3, 100] }, { dims: [2], ints: [0, -1] }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('ReduceMean over axis -1 keeping dims (LayerNorm)', async () => {
    const r = await gradientError({ op: 'ReduceMean', inputs: [{ dims: [2, 3, 6], wrt: true }], attrs: { axes: [-1], keepdims: 1 } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('ReduceMean over two axes dropping them', async () => {
    const r = await gradientError({ op: 'ReduceMean', inputs: [{ dims: [2, 3, 4], wrt: true }], attrs: { axes: [0, 2], keepdims: 0 } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('ReduceSum (axes input)', async () => {
    const r = await gradientError({ op: 'ReduceSum', inputs: [{ dims: [2, 3, 4], wrt: true }, { dims: [1], ints: [1] }], attrs: { keepdims: 0 } });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('MatMul with a broadcast batch dimension', async () => {
    const r = await gradientError({ op: 'MatMul', inputs: [{ dims: [2, 3, 4, 5], wrt: true }, { dims: [5, 6], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('MatMul batched both sides (attention)', async () => {
    const r = await gradientError({ op: 'MatMul', inputs: [{ dims: [2, 1, 3, 4], wrt: true }, { dims: [1, 3, 4, 2], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Gemm with transB, alpha, beta and a row bias', async () => {
    const r = await gradientError({ op: 'Gemm', inputs: [{ dims: [3, 4], wrt: true }, { dims: [5, 4], wrt: true }, { dims: [5], wrt: true }], attrs: { transB: 1, alpha: 0.7, beta: 1.3 }, floatAttrs: ['alpha', 'beta'] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Gemm with transA', async () => {
    const r = await gradientError({ op: 'Gemm', inputs: [{ dims: [4, 3], wrt: true }, { dims: [4, 5], wrt: true }], attrs: { transA: 1 } });
    expect(r.worst).toBeLessThan(TOL);
  });
});
