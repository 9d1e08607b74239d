import { describe, expect, it } from 'vitest';
import { createTaskMeter } from '../../../../core/metrics/task-meters/registry';
import { lcg, tensor } from './helpers';

describe('classification task', () => {
  it('scores top-1 and top-5 agreement against the teacher without labels', () => {
    const m = createTaskMeter('classification');
    // Row 0: both pick class 0. Row 1: teacher picks 5, the student ranks class 5 sixth (last).
    const teacher = tensor([2, 6], [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
    const student = tensor([2, 6], [5, 0, 0, 0, 0, 0, 6, 5.5, 5.4, 5.3, 5.2, 5]);
    m.update(student, teacher);
    const r = m.result();
    expect(r).toMatchObject({ score: 50, metric: 'top-1 agreement with the teacher', labeled: false });
    expect(r.details.top1Agreement).toBe(50);
    expect(r.details.top5Agreement).toBe(50);
    expect(r.details.samples).toBe(2);
  });

  it('takes the KL of the softmax of logits, or of given probabilities', () => {
    // Teacher p = (½, ½), student p = (¾, ¼): KL = ½·ln(½/¾) + ½·ln(½/¼) = ½·ln(4/3).
    const want = 0.5 * Math.log(4 / 3);
    const logits = createTaskMeter('classification');
    logits.update(tensor([1, 2], [Math.log(3), 0]), tensor([1, 2], [0, 0]));
    expect(logits.result().details.klDivergence).toBeCloseTo(want, 6);
    const probs = createTaskMeter('classification');
    probs.update(tensor([1, 2], [0.75, 0.25]), tensor([1, 2], [0.5, 0.5]));
    expect(probs.result().details.klDivergence).toBeCloseTo(want, 6);
    const forced = createTaskMeter('classification', { outputs: 'logits' });
    forced.update(tensor([1, 2], [0.75, 0.25]), tensor([1, 2], [0.5, 0.5]));
    // Taken as logits, (¾, ¼) softmaxes to (σ(½), 1 − σ(½)) and the teacher's (½, ½) stays (½, ½).
    const q = 1 / (1 + Math.exp(-0.5));
    expect(forced.result().details.klDivergence).toBeCloseTo(0.5 * Math.log(0.5 / q) + 0.5 * Math.log(0.5 / (1 - q)), 6);
  });

  it('scores top-1 accuracy when every batch has labels, agreement when one has none', () => {
    const teacher = tensor([2, 3], [1, 0, 0, 0, 1, 0]);
    const student = tensor([2, 3], [1, 0, 0, 0, 0, 1]);
    const m = createTaskMeter('classification');
    m.update(student, teacher, [0, 2]);
    m.update(student, teacher, [0, 1]);
    const r = m.result();
    // Student picks 0 and 2: labels [0, 2] both right, [0, 1] one right → 3 of 4.
    expect(r).toMatchObject({ score: 75, metric: 'top-1 accuracy', labeled: true });
    expect(r.details.top1Agreement).toBe(50);
    const mixed = createTaskMeter('classification');
    mixed.update(student, teacher, [0, 2]);
    mixed.update(student, teacher);
    expect(mixed.result()).toMatchObject({ score: 50, labeled: false });
  });

  it('gives the teacher 100 against itself', () => {
    const rnd = lcg(3);
    const out = tensor([16, 10], Array.from({ length: 160 }, () => rnd() * 8 - 4));
    const m = createTaskMeter('classification');
    m.update(out, out);
    const r = m.result();
    expect(r.score).toBe(100);
    expect(r.details.top5Agreement).toBe(100);
    expect(r.details.klDivergence).toBe(0);
  });

  it('rejects bad labels, shapes other than N×C, and an empty evaluation', () => {
    const out = tensor([1, 3], [1, 0, 0]);
    expect(() => createTaskMeter('classification').update(out, out, [3])).toThrow(/outside the model's 3 classes/);
    expect(() => createTaskMeter('classification').update(out, out, [0, 1])).toThrow(/1 samples but 2 labels/);
    const seq = tensor([1, 2, 3], [1, 0, 0, 0, 1, 0]);
    expect(() => createTaskMeter('classification').update(seq, seq)).toThrow(/N×C class scores.*generic/);
    expect(() => createTaskMeter('classification').update(out, tensor([1, 4], [1, 0, 0, 0]))).toThrow(/differ/);
    expect(() => createTaskMeter('classification').result()).toThrow(/no evaluation batch/);
  });
});
