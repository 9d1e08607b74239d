// YOLO output decoding: boxes in the model input's pixels, score threshold, class-wise NMS.
//   yolov8 (also v9–v11 exports): [N, 4+C, A], per anchor cx, cy, w, h then C class scores; no objectness.
//   yolov5 (also v7): [N, A, 5+C], per anchor cx, cy, w, h, objectness, C class scores; score = obj · class.
import { SlimflowError } from '../../errors';
import { Tensor } from '../../tensor';
import { floatsOf } from '../floats';
import { iou } from '../ocr-det';

export type YoloFormat = 'yolov8' | 'yolov5';

/** A box (x1, y1 exclusive, model-input pixels) with its class. */
export interface ClassBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  class: number;
}

/** A decoded detection: a class box with its score. */
export interface Detection extends ClassBox {
  score: number;
}

export interface YoloOptions {
  format: YoloFormat;
  score_threshold: number;
  iou_threshold: number;
  max_detections: number;
}

/** Class-wise non-maximum suppression: best score first, a box goes when it overlaps a kept box of its class by IoU > threshold. */
export function nms(dets: readonly Detection[], iouThreshold: number, maxDetections = Infinity): Detection[] {
  const order = dets.map((d, i) => i).sort((a, b) => dets[b].score - dets[a].score || a - b);
  const kept: Detection[] = [];
  for (const i of order) {
    if (kept.length >= maxDetections) break;
    const d = dets[i];
    if (kept.every((k) => k.class !== d.class || iou(k, d) <= iouThreshold)) kept.push(d);
  }
  return kept;
}

/** The geometry of one output in the chosen layout; a shape that cannot be that layout is an error naming it. */
function layout(dims: readonly number[], format: YoloFormat, what: string) {
  if (dims.length !== 3) throw new SlimflowError('SHAPE_MISMATCH', `${format} output must be rank 3, got [${dims.join(', ')}]`, what);
  if (format === 'yolov8') {
    const [n, ch, anchors] = dims;
    if (ch < 5) throw new SlimflowError('SHAPE_MISMATCH', `yolov8 output must be [N, 4+classes, anchors], got [${dims.join(', ')}]`, what);
    // value (i, channel, anchor)
    return { n, anchors, classes: ch - 4, objectness: false, at: (i: number, a: number, c: number) => (i * ch + c) * anchors + a };
  }
  const [n, anchors, ch] = dims;
  if (ch < 6) throw new SlimflowError('SHAPE_MISMATCH', `yolov5 output must be [N, anchors, 5+classes], got [${dims.join(', ')}]`, what);
  return { n, anchors, classes: ch - 5, objectness: true, at: (i: number, a: number, c: number) => (i * anchors + a) * ch + c };
}

/** Detections of every image of a YOLO output, after the score threshold, class-wise NMS and the cap. */
export function decodeYolo(output: Tensor, options: YoloOptions, what = 'detection.output'): Detection[][] {
  const v = floatsOf(output, what);
  const g = layout(output.dims, options.format, what);
  const first = g.objectness ? 5 : 4;
  const out: Detection[][] = [];
  for (let i = 0; i < g.n; i++) {
    const found: Detection[] = [];
    for (let a = 0; a < g.anchors; a++) {
      let cls = 0;
      let best = -Infinity;
      for (let c = 0; c < g.classes; c++) {
        const x = v[g.at(i, a, first + c)];
        if (x > best) [best, cls] = [x, c];
      }
      const score = g.objectness ? v[g.at(i, a, 4)] * best : best;
      if (!(score > options.score_threshold)) continue;
      const [cx, cy, w, h] = [0, 1, 2, 3].map((c) => v[g.at(i, a, c)]);
      found.push({ x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2, class: cls, score });
    }
    out.push(nms(found, options.iou_threshold, options.max_detections));
  }
  return out;
}
