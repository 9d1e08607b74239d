import { describe, expect, it } from 'vitest';
import { AgreementMeter } from '../../../core/metrics/agreement';

const t = (dims: number[], values: number[]) => ({ dtype: 'float32' as const, dims, data: Float32Array.from(values) });

describe('AgreementMeter', () => {
  it('computes top-1 agreement and mean cosine for N×C outputs', () => {
    const m = new AgreementMeter();
    // Sample 0: identical → agree, cos 1. Sample 1: teacher [1,0], student [0,1] → disagree, cos 0.
    m.update(t([2, 2], [3, 4, 1, 0]), t([2, 2], [3, 4, 0, 1]));
    const v = m.value();
    expect(v.top1).toBe(50);
    expect(v.cosine).toBeCloseTo(50, 10);
    expect(v.samples).toBe(2);
  });

  it('counts each time step of N×T×C outputs and takes cosine per sample', () => {
    const m = new AgreementMeter();
    // One sample, 3 steps, 2 classes. Steps: agree, agree, disagree → 2/3.
    const teacher = [1, 0, 0, 1, 1, 0];
    const student = [2, 0, 0, 2, 0, 1];
    m.update(t([1, 3, 2], teacher), t([1, 3, 2], student));
    // cos = (2+2+0) / (sqrt(3)·sqrt(9)) = 4 / (3·sqrt 3)
    expect(m.value().top1).toBeCloseTo(200 / 3, 10);
    expect(m.value().cosine).toBeCloseTo((100 * 4) / (3 * Math.sqrt(3)), 5);
    expect(m.value().positions).toBe(3);
  });

  it('accumulates across batches and treats an opposite output as cosine −100', () => {
    const m = new AgreementMeter();
    m.update(t([1, 2], [1, 2]), t([1, 2], [-1, -2]));
    m.update(t([1, 2], [1, 2]), t([1, 2], [2, 4]));
    expect(m.value().cosine).toBeCloseTo(0, 6); // (−100 + 100) / 2
    expect(m.value().top1).toBe(50);
  });

  it('handles zero vectors and non-finite students without NaN, and rejects shape mismatch', () => {
    const m = new AgreementMeter();
    m.update(t([2, 2], [0, 0, 1, 1]), t([2, 2], [0, 0, NaN, 1]));
    expect(m.value().cosine).toBe(50); // zero/zero = 1, NaN student = 0
    expect(() => m.update(t([1, 2], [1, 2]), t([2, 1], [1, 2]))).toThrow(/differ/);
    expect(new AgreementMeter().value().top1).toBeNaN();
  });
});
