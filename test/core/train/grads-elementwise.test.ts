import { describe, expect, it } from 'vitest';
import { gradientError } from './gradcheck';

const TOL = 2e-3;

describe('elementwise gradients with broadcasting', () => {
  it('Add broadcasts a per-channel operand', async () => {
    const r = await gradientError({ op: 'Add', inputs: [{ dims: [2, 3, 4, 5], wrt: true }, { dims: [3, 1, 1], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Sub broadcasts on the left operand', async () => {
    const r = await gradientError({ op: 'Sub', inputs: [{ dims: [1, 5], wrt: true }, { dims: [4, 3, 5], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Mul with a scalar and a full operand', async () => {
    const r = await gradientError({ op: 'Mul', inputs: [{ dims: [2, 3, 4], wrt: true }, { dims: [], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Div by a broadcast positive denominator', async () => {
    const r = await gradientError({ op: 'Div', inputs: [{ dims: [2, 3, 4], wrt: true }, { dims: [3, 1], wrt: true, data: [1.5, 2, 0.7] }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Pow with a constant exponent 2 and a learned exponent', async () => {
    const a = await gradientError({ op: 'Pow', inputs: [{ dims: [3, 4], wrt: true }, { dims: [], data: [2] }] });
    expect(a.worst).toBeLessThan(TOL);
    const b = await gradientError({ op: 'Pow', inputs: [{ dims: [3, 4], wrt: true, data: Array.from({ length: 12 }, (_, i) => 0.5 + i * 0.1) }, { dims: [4], wrt: true, data: [1.5, 0.5, 2.5, 3] }] });
    expect(b.worst).toBeLessThan(TOL);
  });
  it('Sqrt of positive values', async () => {
    const r = await gradientError({ op: 'Sqrt', inputs: [{ dims: [2, 7], wrt: true, data: Array.from({ length: 14 }, (_, i) => 0.5 + i * 0.2) }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Sigmoid', async () => {
    const r = await gradientError({ op: 'Sigmoid', inputs: [{ dims: [3, 5], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
  it('Erf', async () => {
    const r = await gradientError({ op: 'Erf', inputs: [{ dims: [3, 5], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
});

describe('variadic Sum', () => {
  it('Sum of three with broadcasting', async () => {
    const r = await gradientError({ op: 'Sum', inputs: [{ dims: [2, 3], wrt: true }, { dims: [3], wrt: true }, { dims: [2, 1], wrt: true }] });
    expect(r.worst).toBeLessThan(TOL);
  });
});
