import { describe, expect, it } from 'vitest';
import { cocoBoxes, yoloTxtBoxes } from '../../../../core/metrics/task-meters/box-labels';
import { AveragePrecision } from '../../../../core/metrics/task-meters/box-scores';
import { createTaskMeter } from '../../../../core/metrics/task-meters/registry';
import { decodeYolo, nms } from '../../../../core/metrics/task-meters/yolo';
import { Box, lcg, yolov5, yolov8 } from './helpers';

const OPTS = { format: 'yolov8' as const, score_threshold: 0.25, iou_threshold: 0.45, max_detections: 300 };
const box = (cx: number, cy: number, cls = 0, score = 0.9, w = 20, h = 20): Box => ({ cx, cy, w, h, cls, score });

describe('YOLO decoding', () => {
  it('reads v8 [N, 4+C, A] boxes as corners with their class and score, dropping low scores', () => {
    const out = yolov8([[box(50, 40, 1, 0.8), box(10, 10, 0, 0.2)]], 2, 4);
    expect(decodeYolo(out, OPTS)).toEqual([[{ x0: 40, y0: 30, x1: 60, y1: 50, class: 1, score: expect.closeTo(0.8, 6) }]]);
  });

  it('gives the same boxes from v5 [N, A, 5+C] with objectness × class score', () => {
    const boxes = [[box(50, 40, 1, 0.8), { ...box(120, 40, 0, 0.3), obj: 0.5 }, { ...box(200, 40, 0, 0.24), obj: 0.4 }], [box(30, 30, 2, 0.5)]];
    const v8 = decodeYolo(yolov8(boxes, 3, 5), OPTS);
    const v5 = decodeYolo(yolov5(boxes, 3, 5), { ...OPTS, format: 'yolov5' });
    // 0.5 · 0.6 = 0.3 passes the threshold; 0.4 · 0.6 = 0.24 does not.
    expect(v5.map((img) => img.length)).toEqual([2, 1]);
    expect(v5.map((img) => img.map(({ score, ...b }) => [b, score.toFixed(5)]))).toEqual(v8.map((img) => img.map(({ score, ...b }) => [b, score.toFixed(5)])));
  });

  it('suppresses a duplicate of the same class and keeps an overlapping box of another class', () => {
    // Shifted by 2 px: IoU = 18·20 / (800 − 360) ≈ 0.82 > 0.45.
    const [found] = decodeYolo(yolov8([[box(50, 50, 0, 0.8), box(52, 50, 0, 0.9), box(50, 50, 1, 0.7)]], 2, 3), OPTS);
    expect(found.map((d) => [d.class, d.x0])).toEqual([[0, 42], [1, 40]]);
    expect(nms(found, 0.45, 1)).toHaveLength(1);
  });

  it('names the layout a shape cannot have', () => {
    const v5 = yolov5([[box(1, 1)]], 1, 2);
    expect(() => decodeYolo(v5, { ...OPTS, format: 'yolov5' })).not.toThrow();
    expect(() => decodeYolo({ dtype: 'float32', dims: [1, 3, 5], data: new Float32Array(15) }, { ...OPTS, format: 'yolov5' })).toThrow(/\[N, anchors, 5\+classes\]/);
    expect(() => decodeYolo({ dtype: 'float32', dims: [1, 4, 5], data: new Float32Array(20) }, OPTS)).toThrow(/\[N, 4\+classes, anchors\]/);
  });
});

describe('detection task', () => {
  it('scores box F1 against the teacher: one of two boxes shifted below IoU 0.5 gives 50', () => {
    const teacher = yolov8([[box(50, 50), box(150, 150)]], 1, 4);
    // Shifted by 10 px: IoU = 10·20 / (800 − 200) = 1/3.
    const student = yolov8([[box(50, 50), box(160, 150)]], 1, 4);
    const m = createTaskMeter('detection', { format: 'yolov8', score_threshold: 0.25, iou_threshold: 0.45 });
    m.update(student, teacher);
    const r = m.result();
    expect(r).toMatchObject({ score: 50, metric: 'box F1 vs teacher @IoU0.5', labeled: false });
    expect(r.details).toMatchObject({ precision: 50, recall: 50, teacherBoxes: 2, studentBoxes: 2, images: 1 });
  });

  it('label_free map: a student box whose score slips just below the threshold costs a little AP, not a whole box as in F1', () => {
    const teacher = yolov8([[box(50, 50, 0, 0.3), box(150, 150, 0, 0.9)]], 1, 4);
    const student = yolov8([[box(50, 50, 0, 0.2), box(150, 150, 0, 0.9), box(250, 250, 0, 0.1)]], 1, 4);
    const f1 = createTaskMeter('detection');
    f1.update(student, teacher);
    const map = createTaskMeter('detection', { label_free: 'map' });
    map.update(student, teacher);
    const [a, b] = [f1.result(), map.result()];
    // F1: 1 of 2 teacher boxes found above 0.25, 1 student box kept: 2·1 / 3.
    expect(a.score).toBeCloseTo(200 / 3, 6);
    // mAP: both teacher boxes are found, ranked above the stray box: AP 1.
    expect(b).toMatchObject({ score: 100, metric: 'mAP vs teacher @IoU0.5', labeled: false });
    expect(b.details).toMatchObject({ boxF1: a.score, mAPvsTeacher: 100 });
    // A stray box ranked above a true one lowers it.
    const worse = createTaskMeter('detection', { label_free: 'map' });
    worse.update(yolov8([[box(50, 50, 0, 0.2), box(150, 150, 0, 0.9), box(250, 250, 0, 0.5)]], 1, 4), teacher);
    expect(worse.result().score).toBeLessThan(100);
  });

  it('needs the same class to match, and gives the same F1 from both layouts', () => {
    const teacher = [[box(50, 50, 0), box(150, 150, 1)], [box(80, 80, 2)]];
    const student = [[box(50, 50, 0), box(150, 150, 2)], [box(80, 80, 2), box(200, 200, 1)]];
    const v8 = createTaskMeter('detection');
    v8.update(yolov8(student, 3, 4), yolov8(teacher, 3, 4));
    const v5 = createTaskMeter('detection', { format: 'yolov5' });
    v5.update(yolov5(student, 3, 4), yolov5(teacher, 3, 4));
    // 2 matched of 3 teacher and 4 student boxes: F1 = 2·2 / 7.
    expect(v8.result().score).toBeCloseTo(400 / 7, 10);
    expect(v5.result().score).toBeCloseTo(400 / 7, 10);
  });

  it('gives the teacher 100 against itself', () => {
    const rnd = lcg(5);
    const images = Array.from({ length: 3 }, () => Array.from({ length: 30 }, () => box(rnd() * 300, rnd() * 300, Math.floor(rnd() * 4), rnd(), 10 + rnd() * 60, 10 + rnd() * 60)));
    const out = yolov8(images, 4, 40);
    const m = createTaskMeter('detection');
    m.update(out, out);
    const r = m.result();
    expect(r.score).toBe(100);
    expect(r.details.teacherBoxes).toBeGreaterThan(10);
  });

  it('scores mAP@0.5 against true boxes when every batch has labels', () => {
    // Class 0: two true boxes; detections by score: hit (0.9), miss (0.8), hit (0.7).
    // Recall 0.5, 0.5, 1; precision 1, 0.5, 2/3 → interpolated 1, 2/3, 2/3; AP = 0.5·1 + 0.5·2/3 = 5/6.
    // Class 1: one true box, never found → AP 0. mAP = (5/6 + 0) / 2.
    const student = yolov8([[box(50, 50, 0, 0.9), box(250, 250, 0, 0.8), box(150, 150, 0, 0.7)]], 2, 4);
    const truth = [[
      { class: 0, x0: 40, y0: 40, x1: 60, y1: 60 },
      { class: 0, x0: 141, y0: 140, x1: 161, y1: 160 },
      { class: 1, x0: 300, y0: 300, x1: 320, y1: 320 },
    ]];
    const m = createTaskMeter('detection');
    m.update(student, student, truth);
    const r = m.result();
    expect(r).toMatchObject({ metric: 'mAP@0.5', labeled: true });
    expect(r.score).toBeCloseTo((100 * 5) / 12, 10);
    expect(r.details.boxF1).toBe(100);
    expect(r.details.truthBoxes).toBe(3);
    const unlabeled = createTaskMeter('detection');
    unlabeled.update(student, student, truth);
    unlabeled.update(student, student);
    expect(unlabeled.result()).toMatchObject({ score: 100, labeled: false });
  });

  it('counts a second detection of a true box as a false positive, and interpolates precision', () => {
    const ap = new AveragePrecision(0.5);
    const t = { class: 0, x0: 0, y0: 0, x1: 10, y1: 10 };
    ap.add([t], [{ ...t, score: 0.6 }, { ...t, x0: 1, score: 0.9 }]);
    expect(ap.classAp(0)).toBe(1);
    expect(ap.map()).toBe(100);
    // A miss ranked first: precision 0, ½, ⅔ at recall 0, ½, 1; interpolated ⅔ throughout → AP ⅔ (0.583 without interpolation).
    const b = { class: 0, x0: 20, y0: 0, x1: 30, y1: 10 };
    const interp = new AveragePrecision(0.5);
    interp.add([t, b], [{ ...t, x0: 50, x1: 60, score: 0.9 }, { ...t, score: 0.8 }, { ...b, score: 0.7 }]);
    expect(interp.classAp(0)).toBeCloseTo(2 / 3, 10);
    const none = new AveragePrecision(0.5);
    none.add([], []);
    expect(none.map()).toBe(100);
  });

  it('rejects labels that are not class boxes, and unknown parameters by key path', () => {
    const out = yolov8([[box(50, 50)]], 1, 2);
    expect(() => createTaskMeter('detection').update(out, out, [[{ x0: 0, y0: 0, x1: 1, y1: 1 }]])).toThrow(/\{class, x0, y0, x1, y1\}/);
    expect(() => createTaskMeter('detection', { format: 'yolov7' })).toThrow(/Global\.detection\.format/);
    expect(() => createTaskMeter('detection', { score_thresh: 0.3 })).toThrow(/Global\.detection\.score_thresh: unknown key/);
  });
});

describe('detection labels', () => {
  it('reads YOLO txt (class cx cy w h, normalised) as pixel boxes', () => {
    expect(yoloTxtBoxes('0 0.5 0.5 0.2 0.4\n\n3 0.1 0.1 0.2 0.2\n', 100, 50)).toEqual([
      { class: 0, x0: 40, y0: 15, x1: 60, y1: 35 },
      { class: 3, x0: expect.closeTo(0, 10), y0: expect.closeTo(0, 10), x1: expect.closeTo(20, 10), y1: expect.closeTo(10, 10) },
    ]);
    expect(() => yoloTxtBoxes('0 0.5 0.5 0.2\n', 10, 10, 'a.txt')).toThrow(/line 1 must be "class cx cy w h"/);
  });

  it('reads COCO boxes per image, numbering categories in id order and leaving out crowds', () => {
    const json = {
      images: [{ id: 7 }, { id: 8 }],
      categories: [{ id: 3 }, { id: 1 }],
      annotations: [
        { image_id: 7, category_id: 3, bbox: [10, 20, 30, 40] },
        { image_id: 7, category_id: 1, bbox: [0, 0, 5, 5], iscrowd: 1 },
      ],
    };
    const boxes = cocoBoxes(json);
    expect(boxes.get(7)).toEqual([{ class: 1, x0: 10, y0: 20, x1: 40, y1: 60 }]);
    expect(boxes.get(8)).toEqual([]);
    expect(() => cocoBoxes({ ...json, annotations: [{ image_id: 7, category_id: 2, bbox: [0, 0, 1, 1] }] }, 'x.json')).toThrow(/annotation 0/);
  });
});
