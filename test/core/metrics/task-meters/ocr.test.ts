import { describe, expect, it } from 'vitest';
import { AccuracyMeter } from '../../../../core/metrics/accuracy';
import { AgreementMeter } from '../../../../core/metrics/agreement';
import { loadCtcClasses } from '../../../../core/metrics/ctc';
import { createTaskMeter } from '../../../../core/metrics/task-meters/registry';
import { Tensor } from '../../../../core/tensor';
import { lcg, tensor } from './helpers';

const random = (dims: number[], seed: number) => {
  const rnd = lcg(seed);
  return tensor(dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rnd()));
};

describe('PP-OCR tasks', () => {
  it('ocr-cls: the same accuracy as AccuracyMeter with labels, the same top-1 as AgreementMeter without', () => {
    const teacher = random([16, 2], 1);
    const student = random([16, 2], 2);
    const labels = Array.from({ length: 16 }, (_, i) => i % 2);
    const acc = new AccuracyMeter();
    acc.update(student, labels);
    const agree = new AgreementMeter();
    agree.update(teacher, student);
    const labeled = createTaskMeter('ocr-cls');
    labeled.update(student, teacher, labels);
    expect(labeled.result()).toMatchObject({ score: acc.value(), metric: 'top-1 accuracy', labeled: true });
    const unlabeled = createTaskMeter('ocr-cls');
    unlabeled.update(student, teacher);
    expect(unlabeled.result()).toMatchObject({ score: agree.value().top1, metric: 'top-1 agreement with the teacher', labeled: false });
    expect(unlabeled.result().details.cosine).toBe(agree.value().cosine);
  });

  it('ocr-det: top-1 agreement over the map\'s last axis without labels, as candidates always carried it', () => {
    const teacher = random([2, 1, 8, 8], 3);
    const student = random([2, 1, 8, 8], 4);
    const agree = new AgreementMeter();
    agree.update(teacher, student);
    const m = createTaskMeter('ocr-det');
    m.update(student, teacher);
    expect(m.result().score).toBe(agree.value().top1);
    const self = createTaskMeter('ocr-det');
    self.update(teacher, teacher);
    expect(self.result().score).toBe(100);
  });

  it('ocr-rec: character accuracy after CTC decoding with labels', () => {
    const classes = loadCtcClasses();
    const c = classes.length;
    // One line reading classes 1, 2, 3 (merging the repeated step).
    const seq = [1, 1, 2, 0, 3];
    const data = new Float32Array(seq.length * c);
    seq.forEach((k, s) => { data[s * c + k] = 1; });
    const out: Tensor = { dtype: 'float32', dims: [1, seq.length, c], data };
    const m = createTaskMeter('ocr-rec');
    m.update(out, out, [classes[1] + classes[2] + classes[4]]);
    // One substitution in three characters.
    expect(m.result()).toMatchObject({ metric: 'character accuracy', labeled: true });
    expect(m.result().score).toBeCloseTo(100 * (2 / 3), 10);
    expect(m.result().details.lineAccuracy).toBe(0);
  });
});
