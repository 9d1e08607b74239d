import { Tensor } from '../../../../core/tensor';

/** A float32 tensor from dims and values. */
export const tensor = (dims: number[], values: ArrayLike<number>): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });

/** A YOLO box: centre, size, class, score (v5: objectness × class score, with objectness `obj`). */
export interface Box {
  cx: number;
  cy: number;
  w: number;
  h: number;
  cls: number;
  score: number;
  obj?: number;
}

/** A yolov8 output [N, 4+C, A]: anchor k of image i holds boxes[i][k]; other anchors score 0. */
export function yolov8(images: Box[][], classes: number, anchors: number): Tensor {
  const ch = 4 + classes;
  const data = new Float32Array(images.length * ch * anchors);
  images.forEach((boxes, i) => boxes.forEach((b, a) => {
    const at = (c: number) => (i * ch + c) * anchors + a;
    [b.cx, b.cy, b.w, b.h].forEach((v, c) => { data[at(c)] = v; });
    data[at(4 + b.cls)] = b.score;
  }));
  return { dtype: 'float32', dims: [images.length, ch, anchors], data };
}

/** A yolov5 output [N, A, 5+C] of the same boxes: objectness `obj` (default 1), class score score / obj. */
export function yolov5(images: Box[][], classes: number, anchors: number): Tensor {
  const ch = 5 + classes;
  const data = new Float32Array(images.length * anchors * ch);
  images.forEach((boxes, i) => boxes.forEach((b, a) => {
    const at = (c: number) => (i * anchors + a) * ch + c;
    const obj = b.obj ?? 1;
    [b.cx, b.cy, b.w, b.h, obj].forEach((v, c) => { data[at(c)] = v; });
    data[at(5 + b.cls)] = b.score / obj;
  }));
  return { dtype: 'float32', dims: [images.length, anchors, ch], data };
}

/** A deterministic pseudo-random generator (LCG) for test data. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
