import { describe, expect, it } from 'vitest';
import { createTaskMeter, taskEntry, taskNames, taskParamsSchema } from '../../../../core/metrics';
import { createTaskMetric, taskMetricNames } from '../../../../core/metrics/tasks';
import { tensor } from './helpers';

describe('task registry', () => {
  it('lists every task, and the labeled-only registry still has the PP-OCR ones', () => {
    expect(taskNames().sort()).toEqual(['classification', 'detection', 'embedding', 'generic', 'ocr-cls', 'ocr-det', 'ocr-rec', 'segmentation']);
    expect(taskMetricNames()).toEqual(expect.arrayContaining(['classification', 'ocr-cls', 'ocr-rec', 'ocr-det']));
    expect(createTaskMetric('classification').name).toBe('classification');
    for (const name of taskNames()) expect(taskEntry(name).description.length).toBeGreaterThan(20);
  });

  it('gives each task\'s parameter schema with its defaults', () => {
    expect(taskParamsSchema('detection').parse({})).toEqual({ format: 'yolov8', score_threshold: 0.25, iou_threshold: 0.45, max_detections: 300, match_iou: 0.5, label_free: 'box_f1', map_score_threshold: 0.001 });
    expect(taskParamsSchema('detection').parse({ format: 'yolov5', score_threshold: 0.4 })).toMatchObject({ format: 'yolov5', score_threshold: 0.4, iou_threshold: 0.45 });
    expect(taskParamsSchema('generic').parse({})).toEqual({ measure: 'cosine' });
    expect(taskParamsSchema('ocr-cls').parse({})).toEqual({});
  });

  it('names an unknown task and lists the known ones', () => {
    expect(() => createTaskMeter('keypoints')).toThrow(/unknown task "keypoints"; known tasks: .*detection.*segmentation/);
    expect(() => taskParamsSchema('keypoints')).toThrow(/Global\.task|known tasks/);
  });

  it('has every teacher-judged task give the teacher 100 against itself', () => {
    const shapes: Record<string, number[]> = {
      classification: [2, 3], embedding: [2, 3], generic: [2, 3], 'ocr-cls': [2, 3], 'ocr-det': [2, 1, 3, 3], segmentation: [2, 3, 2, 2], detection: [1, 6, 3],
    };
    for (const [task, dims] of Object.entries(shapes)) {
      const n = dims.reduce((a, b) => a * b, 1);
      const out = tensor(dims, Array.from({ length: n }, (_, k) => ((k * 7919) % 13) / 13 + (task === 'detection' && k < 12 ? 40 : 0)));
      const m = createTaskMeter(task);
      m.update(out, out);
      expect(m.result().score, task).toBeCloseTo(100, 10);
      expect(m.result().labeled, task).toBe(false);
    }
  });
});
