// Scoring detections: box F1 against reference boxes (the teacher's), and mAP@IoU against true boxes.
import { iou, matchBoxes } from '../ocr-det';
import type { ClassBox, Detection } from './yolo';

/** One-to-one matches between reference and found boxes of the same class at IoU ≥ minIou (best pairs first). */
export function matchSameClass(reference: readonly ClassBox[], found: readonly ClassBox[], minIou: number): number {
  const classes = new Set([...reference, ...found].map((b) => b.class));
  let matched = 0;
  for (const c of classes) matched += matchBoxes(reference.filter((b) => b.class === c), found.filter((b) => b.class === c), minIou);
  return matched;
}

/** Box F1 in points from summed counts: 2·matched / (reference + found); two empty sets agree (100). */
export function boxF1(matched: number, reference: number, found: number): number {
  return reference + found === 0 ? 100 : (200 * matched) / (reference + found);
}

/**
 * Average precision at one IoU, accumulated image by image (VOC/COCO matching: in score order, each
 * detection takes the unmatched true box of its class it overlaps most, if IoU ≥ minIou; else it is a
 * false positive). AP is the area under the all-point interpolated precision–recall curve; mAP is the
 * mean over the classes that have true boxes.
 */
export class AveragePrecision {
  private readonly hits = new Map<number, Array<[number, boolean]>>();
  private readonly truths = new Map<number, number>();

  constructor(private readonly minIou: number) {}

  /** Add one image's true boxes and detections. */
  add(truth: readonly ClassBox[], found: readonly Detection[]): void {
    for (const t of truth) this.truths.set(t.class, (this.truths.get(t.class) ?? 0) + 1);
    const used = new Set<number>();
    const order = [...found].sort((a, b) => b.score - a.score);
    for (const d of order) {
      let best = -1;
      let bestIou = this.minIou;
      truth.forEach((t, k) => {
        if (t.class !== d.class || used.has(k)) return;
        const v = iou(t, d);
        if (v >= bestIou) [best, bestIou] = [k, v];
      });
      if (best >= 0) used.add(best);
      const list = this.hits.get(d.class) ?? [];
      list.push([d.score, best >= 0]);
      this.hits.set(d.class, list);
    }
  }

  /** AP of one class in [0, 1]. */
  classAp(c: number): number {
    const total = this.truths.get(c) ?? 0;
    if (total === 0) return NaN;
    const hits = [...(this.hits.get(c) ?? [])].sort((a, b) => b[0] - a[0]);
    const recall: number[] = [];
    const precision: number[] = [];
    let tp = 0;
    hits.forEach(([, hit], k) => {
      if (hit) tp++;
      recall.push(tp / total);
      precision.push(tp / (k + 1));
    });
    // Interpolate: the precision at a recall is the best precision at that recall or beyond.
    for (let k = precision.length - 2; k >= 0; k--) precision[k] = Math.max(precision[k], precision[k + 1]);
    let ap = 0;
    let prev = 0;
    for (let k = 0; k < recall.length; k++) {
      ap += (recall[k] - prev) * precision[k];
      prev = recall[k];
    }
    return ap;
  }

  /** mAP in points over the classes with true boxes; with none anywhere, 100 when nothing was found either, else 0. */
  map(): number {
    const classes = [...this.truths.keys()];
    if (classes.length === 0) return [...this.hits.values()].some((h) => h.length > 0) ? 0 : 100;
    return (100 * classes.reduce((sum, c) => sum + this.classAp(c), 0)) / classes.length;
  }
}
