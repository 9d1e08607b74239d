import { describe, expect, it } from 'vitest';
import { createTaskMeter } from '../../../../core/metrics/task-meters/registry';
import { lcg, tensor } from './helpers';

describe('generic task', () => {
  // Teacher (3, 4) has norm 5; the student is off by (0.5, 0): relative L2 0.1, SNR 20 dB.
  const teacher = tensor([1, 2], [3, 4]);
  const student = tensor([1, 2], [3.5, 4]);

  it('scores relative L2 as 100·(1 − r) and SNR as 100·(1 − 10^(−dB/10))', () => {
    const l2 = createTaskMeter('generic', { measure: 'rel_l2' });
    l2.update(student, teacher);
    const r = l2.result();
    expect(r.score).toBeCloseTo(90, 5);
    expect(r.details.relL2).toBeCloseTo(0.1, 6);
    expect(r.details.snrDb).toBeCloseTo(20, 5);
    const snr = createTaskMeter('generic', { measure: 'snr' });
    snr.update(student, teacher);
    expect(snr.result().score).toBeCloseTo(99, 5);
    expect(snr.result().metric).toMatch(/SNR/);
  });

  it('scores cosine by default', () => {
    const m = createTaskMeter('generic');
    m.update(tensor([2, 2], [0, 1, 2, 0]), tensor([2, 2], [1, 0, 2, 0]));
    expect(m.result().score).toBeCloseTo(50, 6);
    expect(m.result().metric).toMatch(/cosine/);
  });

  it('gives the teacher 100 against itself in every measure', () => {
    const rnd = lcg(11);
    const out = tensor([3, 5, 2], Array.from({ length: 30 }, () => rnd() * 10 - 5));
    for (const measure of ['cosine', 'rel_l2', 'snr']) {
      const m = createTaskMeter('generic', { measure });
      m.update(out, out);
      expect(m.result().score).toBeCloseTo(100, 10);
    }
  });

  it('scores a non-finite student 0 rather than NaN', () => {
    const m = createTaskMeter('generic', { measure: 'snr' });
    m.update(tensor([1, 2], [NaN, 4]), teacher);
    expect(m.result().score).toBe(0);
    expect(() => createTaskMeter('generic', { measure: 'psnr' })).toThrow(/Global\.generic\.measure/);
  });
});
