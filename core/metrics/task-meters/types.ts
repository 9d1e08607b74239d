// The task-metric contract: a meter sees the student's and the teacher's outputs for the same batch
// (and the labels when the dataset has them) and reports one score in points that decides acceptance.
import type { z } from 'zod';
import { SlimflowError } from '../../errors';
import { Tensor } from '../../tensor';
import { floatsOf } from '../floats';

/** What a task meter reports once the evaluation set has been seen. */
export interface TaskResult {
  /** Points 0–100, higher is better: the figure `max_accuracy_drop` and the search objective read. */
  score: number;
  /** What the score is, e.g. "box F1 vs teacher @IoU0.5" or "top-1 accuracy". */
  metric: string;
  /** True when the score is against labels (every batch had them); false when against the teacher. */
  labeled: boolean;
  /** The score's companions (agreement beside accuracy, recall and precision beside F1, counts). */
  details: Record<string, number>;
}

/** A streaming task metric over the evaluation set. */
export interface TaskMeter {
  readonly task: string;
  /** Add one batch: the student's output, the teacher's output of the same shape, and labels if the batch has them. */
  update(student: Tensor, teacher: Tensor, labels?: readonly unknown[]): void;
  /** The result so far; an error before any batch, so an empty evaluation cannot pass for a score. */
  result(): TaskResult;
}

/** One registered task: its name (`Global.task`), what it measures, its parameters with defaults, and a fresh meter. */
export interface TaskEntry<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  params: S;
  create(params: z.output<S>): TaskMeter;
}

/** Type helper: an entry whose `create` sees its own parsed parameter type. */
export const defineTask = <S extends z.ZodType>(entry: TaskEntry<S>): TaskEntry => entry as unknown as TaskEntry;

/** Both outputs as floats, refusing a student whose shape differs from the teacher's. */
export function outputPair(task: string, student: Tensor, teacher: Tensor, minRank = 1): { s: Float32Array | Float64Array; t: Float32Array | Float64Array } {
  const t = floatsOf(teacher, `${task}.teacher`, minRank);
  const s = floatsOf(student, `${task}.student`, minRank);
  if (student.dims.length !== teacher.dims.length || student.dims.some((d, i) => d !== teacher.dims[i])) {
    throw new SlimflowError('SHAPE_MISMATCH', `student output [${student.dims.join(', ')}] and teacher output [${teacher.dims.join(', ')}] differ`, `${task}.student`);
  }
  return { s, t };
}

/** Labels of one batch, checked to be one per sample. */
export function batchLabels(task: string, labels: readonly unknown[] | undefined, samples: number): readonly unknown[] | undefined {
  if (labels === undefined) return undefined;
  if (labels.length !== samples) throw new SlimflowError('SHAPE_MISMATCH', `${samples} samples but ${labels.length} labels`, `${task}.labels`);
  return labels;
}

/**
 * Whether every batch so far had labels: a score is against labels only then, since a partly labeled
 * set would measure a different subset for each candidate's metric.
 */
export class LabelTally {
  private batches = 0;
  private unlabeled = 0;

  see(labels: readonly unknown[] | undefined): void {
    this.batches++;
    if (labels === undefined) this.unlabeled++;
  }

  get labeled(): boolean {
    return this.batches > 0 && this.unlabeled === 0;
  }

  /** Throws when no batch was seen. */
  requireSome(task: string): void {
    if (this.batches === 0) throw new SlimflowError('INVALID_DATA', 'no evaluation batch was measured', `${task}.eval`);
  }
}
