import { describe, expect, it } from 'vitest';
import { dbBoxes, dbBoxesBatch } from '../../../core/metrics/db-postprocess';
import { iou, matchBoxes, OcrDetMeter } from '../../../core/metrics/ocr-det';
import { createTaskMetric, taskMetricNames } from '../../../core/metrics/tasks';

/** A W×H map with the given rectangles filled at probability p. */
function map(w: number, h: number, rects: Array<[number, number, number, number, number]>): Float32Array {
  const m = new Float32Array(w * h);
  for (const [x0, y0, x1, y1, p] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = p;
  return m;
}

describe('DB post-processing', () => {
  it('finds each region, drops weak and tiny ones, and unclips by area·ratio/perimeter', () => {
    const m = map(100, 60, [[10, 10, 50, 20, 0.9], [60, 40, 90, 50, 0.5], [5, 50, 7, 52, 0.95]]);
    const boxes = dbBoxes(m, 60, 100);
    expect(boxes).toHaveLength(1);
    // 40×10 region: d = 400·1.5 / 100 = 6 on every side.
    expect(boxes[0]).toMatchObject({ x0: 4, y0: 4, x1: 56, y1: 26 });
    expect(boxes[0].score).toBeCloseTo(0.9);
  });

  it('joins diagonal neighbours (8-connectivity) and clamps unclipped boxes to the image', () => {
    const m = map(20, 20, [[0, 0, 5, 5, 0.9], [5, 5, 10, 10, 0.9]]);
    const boxes = dbBoxes(m, 20, 20, { boxThreshold: 0.3 });
    expect(boxes).toHaveLength(1);
    expect(boxes[0].x0).toBe(0);
  });

  it('splits an N×1×H×W batch and rejects other shapes', () => {
    const data = new Float32Array(2 * 30 * 30);
    data.set(map(30, 30, [[5, 5, 25, 15, 1]]), 900);
    const out = dbBoxesBatch({ dtype: 'float32', dims: [2, 1, 30, 30], data });
    expect(out.map((b) => b.length)).toEqual([0, 1]);
    expect(() => dbBoxesBatch({ dtype: 'float32', dims: [2, 3, 30, 30], data: new Float32Array(5400) })).toThrow(/N×1×H×W/);
  });
});

describe('detection recall / precision / hmean', () => {
  it('matches one-to-one at IoU ≥ 0.5', () => {
    const a = { x0: 0, y0: 0, x1: 10, y1: 10 };
    expect(iou(a, { x0: 5, y0: 0, x1: 15, y1: 10 })).toBeCloseTo(1 / 3);
    // Two detections on one truth: only one counts.
    expect(matchBoxes([a], [a, { ...a, x1: 9 }])).toBe(1);
  });

  it('sums over images', () => {
    const m = new OcrDetMeter();
    const t = { x0: 0, y0: 0, x1: 10, y1: 10 };
    m.add([t, { x0: 20, y0: 0, x1: 30, y1: 10 }], [t]);
    m.add([t], [t, { x0: 50, y0: 50, x1: 60, y1: 60 }]);
    expect(m.details()).toMatchObject({ recall: (100 * 2) / 3, precision: (100 * 2) / 3 });
    expect(m.value()).toBeCloseTo((100 * 2) / 3);
  });

  it('rejects labels that are not box lists', () => {
    const m = new OcrDetMeter();
    expect(() => m.update({ dtype: 'float32', dims: [1, 1, 4, 4], data: new Float32Array(16) }, ['text'])).toThrow(/boxes/);
  });
});

describe('task metric registry', () => {
  it('knows the PP-OCR tasks and lists them for an unknown one', () => {
    expect(taskMetricNames()).toEqual(expect.arrayContaining(['classification', 'ocr-cls', 'ocr-rec', 'ocr-det']));
    expect(() => createTaskMetric('ocr-foo')).toThrow(/known tasks: .*ocr-det/);
    const m = createTaskMetric('ocr-cls');
    m.update({ dtype: 'float32', dims: [2, 2], data: Float32Array.from([0.9, 0.1, 0.2, 0.8]) }, [0, 0]);
    expect(m.value()).toBe(50);
  });
});
