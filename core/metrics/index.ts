/**
 * Streaming task metrics and label-free teacher–student agreement, in points (0–100).
 * `createTaskMeter(task, params)` (task-meters/) is the task metric that decides acceptance: fed student
 * and teacher outputs (and labels), scored against labels when every batch has them, else against the
 * teacher. `createTaskMetric` (tasks.ts) is the older labeled-only form, kept for its callers.
 */
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
export { createTaskMeter, taskEntry, taskNames, taskParamsSchema } from './task-meters/registry';
export type { TaskEntry, TaskMeter, TaskResult } from './task-meters/types';
export { decodeYolo, nms } from './task-meters/yolo';
export type { ClassBox, Detection, YoloFormat } from './task-meters/yolo';
export { cocoBoxes, yoloTxtBoxes } from './task-meters/box-labels';
