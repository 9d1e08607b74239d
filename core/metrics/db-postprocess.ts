import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';

/** A detected text box in input pixels (x1, y1 exclusive) with its DB score. */
export interface DetectedBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  score: number;
}

/** DB post-processing settings, PaddleOCR's defaults. */
export interface DbOptions {
  /** Probability above which a pixel is text. */
  threshold: number;
  /** Mean probability a region's box must reach to be kept. */
  boxThreshold: number;
  /** How far to grow a region: distance = area · ratio / perimeter (DB's unclip rule). */
  unclipRatio: number;
  /** Regions whose shorter side is under this many pixels are noise. */
  minSize: number;
}

export const DB_DEFAULTS: DbOptions = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 };

/**
 * Boxes from one H×W probability map. PaddleOCR takes contours, fits a rotated rectangle and offsets the
 * polygon; slimflow's rendered text is horizontal, so each 8-connected region's axis-aligned bounding box
 * stands in for the rectangle and the unclip is the same distance applied to its four sides.
 */
export function dbBoxes(prob: ArrayLike<number>, height: number, width: number, options: Partial<DbOptions> = {}): DetectedBox[] {
  const o = { ...DB_DEFAULTS, ...options };
  const label = new Int32Array(height * width);
  const stack: number[] = [];
  const boxes: DetectedBox[] = [];
  let next = 0;
  for (let start = 0; start < label.length; start++) {
    if (label[start] !== 0 || !(prob[start] > o.threshold)) continue;
    // Flood fill with an explicit stack: a large region would overflow recursion.
    next++;
    let x0 = width, y0 = height, x1 = -1, y1 = -1;
    label[start] = next;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const y = (p / width) | 0;
      const x = p - y * width;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (label[q] === 0 && prob[q] > o.threshold) {
            label[q] = next;
            stack.push(q);
          }
        }
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (Math.min(w, h) < o.minSize) continue;
    // PaddleOCR's fast score: the mean probability inside the box, not only over the region's own pixels.
    let sum = 0;
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) sum += prob[y * width + x];
    const score = sum / (w * h);
    if (score < o.boxThreshold) continue;
    const d = (w * h * o.unclipRatio) / (2 * (w + h));
    const box = {
      x0: Math.max(0, Math.round(x0 - d)),
      y0: Math.max(0, Math.round(y0 - d)),
      x1: Math.min(width, Math.round(x1 + 1 + d)),
      y1: Math.min(height, Math.round(y1 + 1 + d)),
      score,
    };
    if (Math.min(box.x1 - box.x0, box.y1 - box.y0) < o.minSize + 2) continue;
    boxes.push(box);
  }
  return boxes;
}

/** Boxes for every image of an N×1×H×W (or N×H×W) DB probability output. */
export function dbBoxesBatch(output: Tensor, options: Partial<DbOptions> = {}): DetectedBox[][] {
  if (output.dtype !== 'float32' && output.dtype !== 'float64') throw new SlimflowError('SHAPE_MISMATCH', `DB needs float probabilities, got ${output.dtype}`, 'db.output');
  const d = output.dims;
  const ok = (d.length === 4 && d[1] === 1) || d.length === 3;
  if (!ok) throw new SlimflowError('SHAPE_MISMATCH', `DB needs an N×1×H×W probability map, got [${d.join(', ')}]`, 'db.output');
  const [h, w] = d.slice(-2);
  const data = output.data as Float32Array | Float64Array;
  const out: DetectedBox[][] = [];
  for (let i = 0; i < d[0]; i++) out.push(dbBoxes(data.subarray(i * h * w, (i + 1) * h * w), h, w, options));
  return out;
}
