import { describe, expect, it } from 'vitest';
import { createTaskMeter } from '../../../../core/metrics/task-meters/registry';
import { Tensor } from '../../../../core/tensor';
import { lcg, tensor } from './helpers';

/** One-hot N×C×H×W scores from per-pixel class maps (C classes, maps of H·W). */
function scores(maps: number[][], c: number, h: number, w: number): Tensor {
  const data = new Float32Array(maps.length * c * h * w);
  maps.forEach((m, i) => m.forEach((k, p) => { data[(i * c + k) * h * w + p] = 1; }));
  return { dtype: 'float32', dims: [maps.length, c, h, w], data };
}

describe('segmentation task', () => {
  it('scores mIoU of the argmax maps against the teacher, leaving out classes neither map has', () => {
    // Teacher 0 0 1 1, student 0 1 1 1: IoU(0) = 1/2, IoU(1) = 2/3; class 2 occurs in neither.
    const m = createTaskMeter('segmentation');
    m.update(scores([[0, 1, 1, 1]], 3, 2, 2), scores([[0, 0, 1, 1]], 3, 2, 2));
    const r = m.result();
    expect(r.score).toBeCloseTo((100 * (1 / 2 + 2 / 3)) / 2, 10);
    expect(r).toMatchObject({ metric: 'mIoU vs teacher argmax', labeled: false });
    expect(r.details).toMatchObject({ pixelAgreement: 75, classesTeacher: 2, images: 1 });
  });

  it('sums the confusion over the whole set before taking IoU', () => {
    // Image 1 alone: IoU(0) = 1, image 2 alone: IoU(0) = 0; summed: class 0 has tp 1, union 2.
    const m = createTaskMeter('segmentation');
    m.update(scores([[0, 0], [1, 1]], 2, 1, 2), scores([[0, 0], [0, 1]], 2, 1, 2));
    // Class 0: tp 2, teacher 3, student 2 → 2/3. Class 1: tp 1, teacher 1, student 2 → 1/2.
    expect(m.result().score).toBeCloseTo((100 * (2 / 3 + 1 / 2)) / 2, 10);
  });

  it('scores mIoU against label maps, skipping ignore_index pixels', () => {
    // Labels 0 255 1 0, student 0 1 1 1: class 0 tp 1, union 2; class 1 tp 1, union 2.
    const student = scores([[0, 1, 1, 1]], 2, 2, 2);
    const m = createTaskMeter('segmentation');
    m.update(student, student, [[0, 255, 1, 0]]);
    const r = m.result();
    expect(r).toMatchObject({ score: 50, metric: 'mIoU', labeled: true });
    expect(r.details.pixelAccuracy).toBeCloseTo(200 / 3, 10);
    expect(r.details.mIoUTeacher).toBe(100);
    const typed = createTaskMeter('segmentation', { ignore_index: -1 });
    typed.update(student, student, [{ dtype: 'int64', dims: [2, 2], data: BigInt64Array.from([0n, 1n, 1n, 1n]) }]);
    expect(typed.result().score).toBe(100);
  });

  it('thresholds a one-channel mask (a sigmoid map) into background and foreground instead of an argmax that always agrees', () => {
    // Teacher 0.9 0.8 0.2 0.1 → 1 1 0 0; student 0.9 0.3 0.2 0.6 → 1 0 0 1: IoU(0) 1/3, IoU(1) 1/3.
    const teacher = tensor([1, 1, 2, 2], [0.9, 0.8, 0.2, 0.1]);
    const student = tensor([1, 1, 2, 2], [0.9, 0.3, 0.2, 0.6]);
    const m = createTaskMeter('segmentation');
    m.update(student, teacher);
    expect(m.result().score).toBeCloseTo(100 / 3, 10);
    // Logits, threshold 0: teacher 1 1, student 1 0 → IoU(1) 1/2, IoU(0) 0/1.
    const logits = createTaskMeter('segmentation', { threshold: 0 });
    logits.update(tensor([1, 1, 1, 2], [2, -1]), tensor([1, 1, 1, 2], [1, 3]));
    expect(logits.result().score).toBe(25);
  });

  it('gives the teacher 100 against itself', () => {
    const rnd = lcg(13);
    const out = tensor([2, 4, 3, 5], Array.from({ length: 120 }, () => rnd()));
    const m = createTaskMeter('segmentation');
    m.update(out, out);
    expect(m.result().score).toBe(100);
  });

  it('rejects labels outside the classes, maps of the wrong size and outputs that are not N×C×H×W', () => {
    const out = scores([[0, 1]], 2, 1, 2);
    expect(() => createTaskMeter('segmentation').update(out, out, [[0, 2]])).toThrow(/label 2 at pixel 1 is outside the model's 2 classes/);
    expect(() => createTaskMeter('segmentation').update(out, out, [[0]])).toThrow(/H·W = 2/);
    const flat = tensor([1, 2, 2], [0, 1, 1, 0]);
    expect(() => createTaskMeter('segmentation').update(flat, flat)).toThrow(/at least 4 axes/);
  });
});
