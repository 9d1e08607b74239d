import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';
import { DbOptions, DetectedBox, dbBoxesBatch } from './db-postprocess';

/** A ground-truth box (x1, y1 exclusive); data sets may attach the text, which detection ignores. */
export interface TruthBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Intersection over union of two axis-aligned boxes. */
export function iou(a: TruthBox, b: TruthBox): number {
  const iw = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const ih = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return union <= 0 ? 0 : inter / union;
}

/** One-to-one matches between truth and detections at IoU ≥ minIou, best pairs first. */
export function matchBoxes(truth: readonly TruthBox[], found: readonly TruthBox[], minIou = 0.5): number {
  const pairs: Array<[number, number, number]> = [];
  truth.forEach((t, i) => found.forEach((f, j) => {
    const v = iou(t, f);
    if (v >= minIou) pairs.push([v, i, j]);
  }));
  pairs.sort((a, b) => b[0] - a[0]);
  const usedT = new Set<number>();
  const usedF = new Set<number>();
  for (const [, i, j] of pairs) {
    if (usedT.has(i) || usedF.has(j)) continue;
    usedT.add(i);
    usedF.add(j);
  }
  return usedT.size;
}

const isBox = (b: unknown): b is TruthBox =>
  typeof b === 'object' && b !== null && ['x0', 'y0', 'x1', 'y1'].every((k) => typeof (b as Record<string, unknown>)[k] === 'number');

/**
 * Detection quality of a DB text detector, summed over the set (ICDAR style): recall = matched / true
 * boxes, precision = matched / detected boxes, hmean their harmonic mean; all in points.
 */
export class OcrDetMeter {
  readonly name = 'ocr-det';
  private matched = 0;
  private truths = 0;
  private detections = 0;
  private images = 0;

  constructor(private readonly options: Partial<DbOptions> & { minIou?: number } = {}) {}

  /** Add one batch: N×1×H×W probability maps and N lists of true boxes. */
  update(output: Tensor, labels: readonly unknown[]): void {
    const found = dbBoxesBatch(output, this.options);
    if (labels.length !== found.length) throw new SlimflowError('SHAPE_MISMATCH', `${found.length} probability maps but ${labels.length} labels`, 'ocr-det.labels');
    labels.forEach((label, i) => {
      if (!Array.isArray(label) || !label.every(isBox)) throw new SlimflowError('INVALID_DATA', 'a detection label must be a list of {x0, y0, x1, y1} boxes', `ocr-det.labels[${i}]`);
      this.add(label, found[i]);
    });
  }

  /** Add one image's truth and detections directly (for callers with their own post-processing). */
  add(truth: readonly TruthBox[], found: readonly DetectedBox[] | readonly TruthBox[]): void {
    this.matched += matchBoxes(truth, found, this.options.minIou ?? 0.5);
    this.truths += truth.length;
    this.detections += found.length;
    this.images++;
  }

  /** Hmean in points; NaN before any image. */
  value(): number {
    const { hmean } = this.details();
    return hmean;
  }

  /** Recall, precision, hmean (points) and the counts behind them. An image set with no boxes at all scores 100 when nothing is found. */
  details(): Record<string, number> {
    if (this.images === 0) return { recall: NaN, precision: NaN, hmean: NaN, images: 0, truths: 0, detections: 0 };
    const recall = this.truths === 0 ? 100 : (100 * this.matched) / this.truths;
    const precision = this.detections === 0 ? (this.truths === 0 ? 100 : 0) : (100 * this.matched) / this.detections;
    const hmean = recall + precision === 0 ? 0 : (2 * recall * precision) / (recall + precision);
    return { recall, precision, hmean, images: this.images, truths: this.truths, detections: this.detections };
  }
}
