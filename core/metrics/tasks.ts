import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';
import { AccuracyMeter } from './accuracy';
import { OcrDetMeter } from './ocr-det';
import { OcrRecMeter } from './ocr-rec';

/** A streaming task metric: fed batches of model outputs with their labels, read in points (0–100). */
export interface TaskMetric {
  readonly name: string;
  update(output: Tensor, labels: readonly unknown[]): void;
  /** The headline figure in points; NaN before any sample. */
  value(): number;
  /** The headline and its companions (e.g. recall and precision beside hmean). */
  details(): Record<string, number>;
}

/** A registered metric: its name (the config's `Global.task`), what it measures, and a fresh meter. */
export interface TaskMetricEntry {
  name: string;
  description: string;
  create(): TaskMetric;
}

/** Top-1 accuracy as a task metric. */
function accuracy(name: string): TaskMetric {
  const m = new AccuracyMeter();
  return {
    name,
    update: (o, l) => m.update(o, l),
    value: () => m.value(),
    details: () => ({ accuracy: m.value(), samples: m.count }),
  };
}

const ENTRIES: TaskMetricEntry[] = [
  { name: 'classification', description: 'top-1 accuracy of N×C class scores', create: () => accuracy('classification') },
  { name: 'ocr-cls', description: 'top-1 accuracy of the text-direction classifier (0° / 180°)', create: () => accuracy('ocr-cls') },
  { name: 'ocr-rec', description: 'character accuracy (1 − edit distance / length) after greedy CTC decoding', create: () => new OcrRecMeter() },
  { name: 'ocr-det', description: 'box hmean at IoU ≥ 0.5 after DB post-processing', create: () => new OcrDetMeter() },
];

const REGISTRY: ReadonlyMap<string, TaskMetricEntry> = new Map(ENTRIES.map((e) => [e.name, e]));

/** Names of the registered task metrics. */
export const taskMetricNames = (): string[] => [...REGISTRY.keys()];

/**
 * A fresh labeled-only meter for a task; an unknown task is a config error that lists the known ones.
 * @deprecated Use createTaskMeter (task-meters/registry.ts), which also scores against the teacher and knows
 * every task; this stays, on the same meters, until validateCandidate, `slimflow eval` and bench:train switch.
 */
export function createTaskMetric(task: string): TaskMetric {
  const e = REGISTRY.get(task);
  if (!e) throw new SlimflowError('INVALID_CONFIG', `unknown task "${task}"; known tasks: ${taskMetricNames().join(', ')}`, 'Global.task');
  return e.create();
}
