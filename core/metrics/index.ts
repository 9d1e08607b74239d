/** Streaming task metrics and label-free teacher–student agreement, in points (0–100). */
export { AccuracyMeter } from './accuracy';
export { AgreementMeter } from './agreement';
export type { Agreement } from './agreement';
export { ctcGreedyDecode, loadCtcClasses } from './ctc';
export { dbBoxes, dbBoxesBatch, DB_DEFAULTS } from './db-postprocess';
export type { DbOptions, DetectedBox } from './db-postprocess';
export { editDistance } from './edit-distance';
export { OcrDetMeter, iou, matchBoxes } from './ocr-det';
export { OcrRecMeter } from './ocr-rec';
export { createTaskMetric, taskMetricNames } from './tasks';
export type { TaskMetric, TaskMetricEntry } from './tasks';
export { emd1d, EmdMeter, standardize } from './emd';
export { createTeacherMetric, teacherMetricNames } from './teacher-metrics';
export type { TeacherMeter, TeacherMetricEntry } from './teacher-metrics';
