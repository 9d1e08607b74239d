// True boxes for the detection task. The meter takes them already parsed, one list per sample, in the
// model input's pixels: `{ class, x0, y0, x1, y1 }`. These parsers turn the two usual label files into
// pixel boxes of the original image; mapping them through a resize or letterbox belongs to the data source.
import { SlimflowError } from '../../errors';
import type { ClassBox } from './yolo';

const isClassBox = (b: unknown): b is ClassBox =>
  typeof b === 'object' && b !== null && ['class', 'x0', 'y0', 'x1', 'y1'].every((k) => typeof (b as Record<string, unknown>)[k] === 'number');

/** One sample's label: a list of class boxes, or an error naming the sample. */
export function classBoxesOf(label: unknown, where: string): ClassBox[] {
  if (!Array.isArray(label) || !label.every(isClassBox)) {
    throw new SlimflowError('INVALID_DATA', 'a detection label must be a list of {class, x0, y0, x1, y1} boxes in model-input pixels', where);
  }
  return label;
}

/** A YOLO txt label file (`class cx cy w h` per line, normalised to 0–1) as pixel boxes of a width×height image. */
export function yoloTxtBoxes(text: string, width: number, height: number, file = 'labels'): ClassBox[] {
  const boxes: ClassBox[] = [];
  text.split(/\r?\n/).forEach((line, k) => {
    const f = line.trim().split(/\s+/).filter(Boolean);
    if (f.length === 0) return;
    const v = f.map(Number);
    if (f.length !== 5 || !v.every(Number.isFinite) || !Number.isInteger(v[0]) || v[0] < 0) {
      throw new SlimflowError('INVALID_DATA', `line ${k + 1} must be "class cx cy w h" (class an index, the rest normalised), got "${line.trim()}"`, file);
    }
    const [c, cx, cy, w, h] = v;
    boxes.push({ class: c, x0: (cx - w / 2) * width, y0: (cy - h / 2) * height, x1: (cx + w / 2) * width, y1: (cy + h / 2) * height });
  });
  return boxes;
}

interface CocoJson {
  images?: Array<{ id: number; file_name?: string }>;
  annotations?: Array<{ image_id: number; category_id: number; bbox: number[]; iscrowd?: number }>;
  categories?: Array<{ id: number }>;
}

/**
 * Pixel boxes per image id from a COCO instances json. Category ids (1–90 with gaps in COCO) become class
 * indices in the order of the sorted `categories` list, as the 80-class YOLO models number them. Crowd
 * regions are left out (COCO's evaluation ignores them rather than counting them as boxes to find).
 */
export function cocoBoxes(json: unknown, file = 'annotations.json'): Map<number, ClassBox[]> {
  const doc = json as CocoJson;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.annotations) || !Array.isArray(doc.categories)) {
    throw new SlimflowError('INVALID_DATA', 'a COCO json needs "annotations" and "categories" lists', file);
  }
  const index = new Map([...doc.categories].map((c) => c.id).sort((a, b) => a - b).map((id, k) => [id, k]));
  const out = new Map<number, ClassBox[]>();
  for (const img of doc.images ?? []) out.set(img.id, []);
  doc.annotations.forEach((a, k) => {
    const c = index.get(a.category_id);
    const b = a.bbox;
    if (c === undefined || !Array.isArray(b) || b.length !== 4 || !b.every(Number.isFinite)) {
      throw new SlimflowError('INVALID_DATA', `annotation ${k} needs a listed category_id and bbox [x, y, w, h]`, `${file}: annotations[${k}]`);
    }
    if (a.iscrowd) return;
    const list = out.get(a.image_id) ?? [];
    list.push({ class: c, x0: b[0], y0: b[1], x1: b[0] + b[2], y1: b[1] + b[3] });
    out.set(a.image_id, list);
  });
  return out;
}
