import { describe, expect, it } from 'vitest';
import { nearestNeighbours } from '../../../../core/metrics/task-meters/embedding';
import { createTaskMeter } from '../../../../core/metrics/task-meters/registry';
import { lcg, tensor } from './helpers';

describe('embedding task', () => {
  it('scores 100·cosine: a vector rotated by 60° scores 50', () => {
    const m = createTaskMeter('embedding');
    const a = Math.PI / 3;
    // Sample 0 rotated by 60° (cos ½), sample 1 unchanged (cos 1): mean 0.75.
    m.update(tensor([2, 2], [Math.cos(a), Math.sin(a), 0, 2]), tensor([2, 2], [1, 0, 0, 2]));
    const r = m.result();
    expect(r.score).toBeCloseTo(75, 5);
    expect(r).toMatchObject({ metric: 'mean cosine to the teacher ×100', labeled: false });
    expect(r.details.cosine).toBeCloseTo(0.75, 6);
  });

  it('counts the samples whose nearest other sample is the same in both spaces', () => {
    // Teacher: a → b, b → a, c → b. Student: b tilts away from c, so c's nearest becomes a.
    const teacher = tensor([3, 2], [1, 0, 0.9, 0.1, 0, 1]);
    const student = tensor([3, 2], [1, 0, 0.9, -0.1, 0, 1]);
    expect([...nearestNeighbours([[1, 0], [0.9, 0.1], [0, 1]].map((v) => Float32Array.from(v)))]).toEqual([1, 0, 1]);
    const m = createTaskMeter('embedding');
    m.update(student, teacher);
    expect(m.result().details.neighbourAgreement).toBeCloseTo(200 / 3, 10);
    expect(m.result().details.neighbourSamples).toBe(3);
  });

  it('keeps only neighbour_samples samples for the neighbour search', () => {
    const m = createTaskMeter('embedding', { neighbour_samples: 2 });
    const out = tensor([3, 2], [1, 0, 0.9, 0.1, 0, 1]);
    m.update(out, out);
    expect(m.result().details).toMatchObject({ neighbourSamples: 2, neighbourAgreement: 100, samples: 3 });
  });

  it('compares [N, T, D] token embeddings per sample over all values, not their mean', () => {
    // Tokens (1,0),(0,1) against (1,0),(1,0): over all values cos = 1/(√2·√2) = ½; the means would give cos 45° ≈ 0.707.
    const m = createTaskMeter('embedding');
    m.update(tensor([1, 2, 2], [1, 0, 1, 0]), tensor([1, 2, 2], [1, 0, 0, 1]));
    expect(m.result().score).toBeCloseTo(50, 5);
  });

  it('gives the teacher 100 against itself, with labels or without', () => {
    const rnd = lcg(7);
    const out = tensor([6, 4, 8], Array.from({ length: 192 }, () => rnd() - 0.5));
    const m = createTaskMeter('embedding');
    m.update(out, out, [0, 1, 2, 3, 4, 5]);
    const r = m.result();
    expect(r.score).toBeCloseTo(100, 10);
    expect(r.labeled).toBe(false);
    expect(r.details.neighbourAgreement).toBe(100);
  });

  it('refuses outputs of more than three axes', () => {
    const x = tensor([1, 1, 2, 2], [1, 2, 3, 4]);
    expect(() => createTaskMeter('embedding').update(x, x)).toThrow(/\[N, D\] or \[N, T, D\].*generic/);
  });
});
