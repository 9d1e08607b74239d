// Segmentation: the class of each pixel is the argmax over the class axis of an N×C×H×W output; mIoU of
// the student's map against the teacher's (or against label maps), from a confusion matrix summed over
// the whole set. Classes that occur in neither map are left out of the mean.
import { z } from 'zod';
import { SlimflowError } from '../../errors';
import { Tensor } from '../../tensor';
import { batchLabels, defineTask, LabelTally, outputPair, TaskMeter, TaskResult } from './types';

const params = z.strictObject({
  /** Label value of pixels that count for nothing (void, borders): 255 as in VOC and Cityscapes. */
  ignore_index: z.number().int().default(255),
  /**
   * A one-channel output (a sigmoid mask: salient object, foreground) has no argmax: a pixel is
   * class 1 when its value is above this threshold, else 0 (0.5 for probabilities; 0 for logits).
   */
  threshold: z.number().default(0.5),
});

/** Confusion counts over C classes: rows the reference class, columns the predicted class. */
class Confusion {
  readonly counts: Float64Array;
  constructor(readonly classes: number) {
    this.counts = new Float64Array(classes * classes);
  }

  add(reference: number, predicted: number): void {
    this.counts[reference * this.classes + predicted]++;
  }

  /** Mean IoU in points, the share of agreeing pixels in points, and how many classes the mean took. */
  scores(): { mIoU: number; pixelAccuracy: number; classes: number } {
    const c = this.classes;
    let sum = 0, present = 0, diag = 0, total = 0;
    for (let k = 0; k < c; k++) {
      let row = 0, col = 0;
      for (let j = 0; j < c; j++) {
        row += this.counts[k * c + j];
        col += this.counts[j * c + k];
      }
      const tp = this.counts[k * c + k];
      diag += tp;
      total += row;
      const union = row + col - tp;
      if (union > 0) {
        sum += tp / union;
        present++;
      }
    }
    return { mIoU: present === 0 ? NaN : (100 * sum) / present, pixelAccuracy: total === 0 ? NaN : (100 * diag) / total, classes: present };
  }
}

/** Per-pixel class indices of sample i (argmax over C, first class wins ties; one channel: above `threshold`). */
function classMap(v: ArrayLike<number>, i: number, c: number, hw: number, threshold: number): Int32Array {
  const out = new Int32Array(hw);
  if (c === 1) {
    for (let p = 0; p < hw; p++) out[p] = v[i * hw + p] > threshold ? 1 : 0;
    return out;
  }
  const base = i * c * hw;
  const best = new Float64Array(hw).fill(-Infinity);
  for (let k = 0; k < c; k++) {
    for (let p = 0; p < hw; p++) {
      const x = v[base + k * hw + p];
      if (x > best[p]) {
        best[p] = x;
        out[p] = k;
      }
    }
  }
  return out;
}

/** One sample's label map as numbers: an array or typed array of H·W class ids, or a tensor holding them. */
function labelMap(label: unknown, hw: number, where: string): ArrayLike<number | bigint> {
  const data = typeof label === 'object' && label !== null && 'data' in label && 'dims' in label ? (label as Tensor).data : label;
  const ok = Array.isArray(data) || ArrayBuffer.isView(data);
  if (!ok || (data as ArrayLike<unknown>).length !== hw) {
    throw new SlimflowError('INVALID_DATA', `a segmentation label must be a map of H·W = ${hw} class ids`, where);
  }
  return data as ArrayLike<number | bigint>;
}

class SegmentationMeter implements TaskMeter {
  readonly task = 'segmentation';
  private readonly tally = new LabelTally();
  private vsTeacher: Confusion | undefined;
  private vsLabels: Confusion | undefined;
  private images = 0;

  constructor(private readonly p: z.output<typeof params>) {}

  update(student: Tensor, teacher: Tensor, labels?: readonly unknown[]): void {
    const { s, t } = outputPair(this.task, student, teacher, 4);
    if (student.dims.length !== 4) throw new SlimflowError('SHAPE_MISMATCH', `segmentation needs N×C×H×W class scores, got [${student.dims.join(', ')}]`, 'segmentation.student');
    const [n, c, h, w] = student.dims;
    const hw = h * w;
    if (this.vsTeacher && this.vsTeacher.classes !== (c === 1 ? 2 : c)) throw new SlimflowError('SHAPE_MISMATCH', `a batch scores ${c} classes, earlier ones ${this.vsTeacher.classes}`, 'segmentation.student');
    // A one-channel mask is two classes (background, foreground) once thresholded.
    const classes = c === 1 ? 2 : c;
    this.vsTeacher ??= new Confusion(classes);
    this.vsLabels ??= new Confusion(classes);
    const lab = batchLabels(this.task, labels, n);
    this.tally.see(lab);
    for (let i = 0; i < n; i++) {
      const sm = classMap(s, i, c, hw, this.p.threshold);
      const tm = classMap(t, i, c, hw, this.p.threshold);
      for (let p = 0; p < hw; p++) this.vsTeacher.add(tm[p], sm[p]);
      if (!lab) continue;
      const where = `segmentation.labels[${i}]`;
      const truth = labelMap(lab[i], hw, where);
      for (let p = 0; p < hw; p++) {
        const y = Number(truth[p]);
        if (y === this.p.ignore_index) continue;
        if (!Number.isInteger(y) || y < 0 || y >= classes) throw new SlimflowError('INVALID_DATA', `label ${y} at pixel ${p} is outside the model's ${classes} classes (ignore_index ${this.p.ignore_index})`, where);
        this.vsLabels.add(y, sm[p]);
      }
    }
    this.images += n;
  }

  result(): TaskResult {
    this.tally.requireSome(this.task);
    const teacher = this.vsTeacher!.scores();
    const details: Record<string, number> = { mIoUTeacher: teacher.mIoU, pixelAgreement: teacher.pixelAccuracy, classesTeacher: teacher.classes, images: this.images };
    if (this.tally.labeled) {
      const truth = this.vsLabels!.scores();
      Object.assign(details, { mIoU: truth.mIoU, pixelAccuracy: truth.pixelAccuracy, classes: truth.classes });
      return { score: truth.mIoU, metric: 'mIoU', labeled: true, details };
    }
    return { score: teacher.mIoU, metric: 'mIoU vs teacher argmax', labeled: false, details };
  }
}

export const segmentationTask = defineTask({
  name: 'segmentation',
  description: 'N×C×H×W class scores, argmax per pixel: mIoU against the teacher\'s class map, or against label maps',
  params,
  create: (p) => new SegmentationMeter(p),
});
