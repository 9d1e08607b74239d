// The task metrics, registered in one place: `Global.task` names one, and `Global.<task>` holds its
// parameters (e.g. `detection: { format: yolov8, score_threshold: 0.25, iou_threshold: 0.45 }`).
import type { z } from 'zod';
import { formatZodIssues } from '../../config/zod-errors';
import { SlimflowError } from '../../errors';
import { classificationTask } from './classification';
import { detectionTask } from './detection';
import { embeddingTask } from './embedding';
import { genericTask } from './generic';
import { ocrClsTask } from './ocr-cls';
import { ocrDetTask } from './ocr-det';
import { ocrRecTask } from './ocr-rec';
import { segmentationTask } from './segmentation';
import type { TaskEntry, TaskMeter } from './types';

const ENTRIES: readonly TaskEntry[] = [classificationTask, embeddingTask, detectionTask, segmentationTask, genericTask, ocrClsTask, ocrRecTask, ocrDetTask];
const REGISTRY: ReadonlyMap<string, TaskEntry> = new Map(ENTRIES.map((e) => [e.name, e]));

/** Names of the registered tasks, for `Global.task`. */
export const taskNames = (): string[] => [...REGISTRY.keys()];

/** A task's registry entry (name, description, parameter schema); an unknown task lists the known ones. */
export function taskEntry(task: string): TaskEntry {
  const e = REGISTRY.get(task);
  if (!e) throw new SlimflowError('INVALID_CONFIG', `unknown task "${task}"; known tasks: ${taskNames().join(', ')}`, 'Global.task');
  return e;
}

/** The zod schema of a task's parameters (with defaults), for the config schema to embed under `Global.<task>`. */
export const taskParamsSchema = (task: string): z.ZodType => taskEntry(task).params;

/** A fresh meter for a task, its parameters checked; a bad parameter names its `Global.<task>` key path. */
export function createTaskMeter(task: string, params: unknown = {}): TaskMeter {
  const e = taskEntry(task);
  const parsed = e.params.safeParse(params ?? {});
  if (!parsed.success) {
    throw new SlimflowError('INVALID_CONFIG', formatZodIssues(parsed.error.issues, e.params, params, `Global.${task}`).join('\n'), `Global.${task}`);
  }
  return e.create(parsed.data);
}
