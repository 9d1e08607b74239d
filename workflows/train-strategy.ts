// trainStrategy: epochs of the trainEpoch activity, each followed by validateCandidate. The workflow
// only decides (keep the best, stop on target or plateau, pause, stop early); the activities compute,
// checkpoint and resume. Every epoch is keyed by its inputs, so a replayed or retried epoch is never recomputed.
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import { described } from './handler-docs';
import type { ArtifactRef, Candidate, DatasetSpec } from '../core/pipeline/types';
import type { ChildControl } from './run-pipeline';
import type { StageActivities } from './stage-activities';
import { TIMEOUT_PRESETS } from './timeouts';

export interface TrainStrategyInput {
  /** The student to train (usually the FP32 model; a pruned model for channel pruning). */
  model: ArtifactRef;
  teacher: ArtifactRef;
  train: DatasetSpec;
  /** Without it, the last epoch's student is returned unvalidated. */
  eval?: DatasetSpec;
  /** Training config (core/train/config.ts) plus the loop's own keys. */
  config?: { epochs?: number; target?: number; patience?: number; minDelta?: number; [k: string]: unknown };
  input?: unknown;
  /** The parent's stop/pause state when it started this training (see ChildControl in run-pipeline.ts), read before the first epoch. */
  control?: ChildControl;
}

export interface EpochRecord { epoch: number; loss: number; metric: number | null; model: ArtifactRef; resumedFromStep: number }

export interface TrainProgress {
  status: 'training' | 'validating' | 'paused' | 'done';
  epoch: number;
  epochs: number;
  history: EpochRecord[];
  best: { epoch: number; metric: number | null } | null;
  stoppedBy: 'epochs' | 'target' | 'plateau' | 'signal' | null;
}

export interface TrainStrategyResult { model: ArtifactRef; candidate: Candidate | null; history: EpochRecord[]; stoppedBy: TrainProgress['stoppedBy'] }

export const trainProgressQuery = defineQuery<TrainProgress>('progress');
export const trainPauseSignal = defineSignal('pause');
export const trainResumeSignal = defineSignal('resume');
/** Stop after the running epoch and return the best so far. */
export const trainStopSignal = defineSignal('stop');

const LOOP_KEYS = ['epochs', 'target', 'patience', 'minDelta'];

/** Train for up to `epochs` epochs, validating after each, returning the best student. */
export async function trainStrategy(input: TrainStrategyInput): Promise<TrainStrategyResult> {
  const acts = proxyActivities<Pick<StageActivities, 'trainEpoch' | 'validateCandidate'>>(TIMEOUT_PRESETS.long);
  const cfg = input.config ?? {};
  const epochs = cfg.epochs ?? 3;
  const patience = cfg.patience ?? 2;
  const minDelta = cfg.minDelta ?? 0;
  const trainConfig = Object.fromEntries(Object.entries(cfg).filter(([k]) => !LOOP_KEYS.includes(k)));
  // Reports show this: which training it was, and after which epoch.
  const kind = (trainConfig.strategy as { kind?: string } | undefined)?.kind ?? 'distill';
  let paused = input.control?.paused ?? false;
  // A stop the parent had before this child started holds from the start.
  let stop = input.control?.stopped ?? false;
  const progress: TrainProgress = { status: 'training', epoch: 0, epochs, history: [], best: null, stoppedBy: null };
  setHandler(trainProgressQuery, () => progress, described('trainProgress'));
  setHandler(trainPauseSignal, () => { paused = true; }, described('pause'));
  setHandler(trainResumeSignal, () => { paused = false; }, described('resume'));
  setHandler(trainStopSignal, () => { stop = true; paused = false; }, described('stop'));

  let state: ArtifactRef | null = null;
  let best: { record: EpochRecord; candidate: Candidate | null } | null = null;
  let sinceBest = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (paused) {
      progress.status = 'paused';
      await condition(() => !paused);
    }
    // A stop before any epoch finished still trains the first (a student to return), as a search runs its first batch.
    if (stop && best) { progress.stoppedBy = 'signal'; break; }
    progress.status = 'training';
    progress.epoch = epoch;
    const r: Awaited<ReturnType<StageActivities['trainEpoch']>> = await acts.trainEpoch({ model: input.model, teacher: input.teacher, train: input.train, config: trainConfig, state, epoch, input: input.input });
    state = r.state;
    let metric: number | null = null;
    let candidate: Candidate | null = null;
    if (input.eval) {
      progress.status = 'validating';
      const v = await acts.validateCandidate({ model: r.model, teacher: input.teacher, eval: input.eval, label: `${kind} train-epoch-${epoch}`, config: trainConfig, input: input.input });
      metric = v.accuracy ?? v.agreement;
      candidate = v.candidate;
    }
    const record: EpochRecord = { epoch, loss: r.loss, metric, model: r.model, resumedFromStep: r.resumedFromStep };
    progress.history.push(record);
    const prev = best?.record.metric ?? null;
    const better = !best || metric === null || prev === null || metric > prev + minDelta;
    if (better) { best = { record, candidate }; sinceBest = 0; } else sinceBest++;
    progress.best = { epoch: best!.record.epoch, metric: best!.record.metric };
    if (cfg.target !== undefined && metric !== null && metric >= cfg.target) { progress.stoppedBy = 'target'; break; }
    if (metric !== null && sinceBest >= patience) { progress.stoppedBy = 'plateau'; break; }
    if (stop) { progress.stoppedBy = 'signal'; break; }
  }
  progress.stoppedBy ??= 'epochs';
  progress.status = 'done';
  if (!best) throw new Error('trainStrategy stopped before the first epoch finished');
  return { model: best.record.model, candidate: best.candidate, history: progress.history, stoppedBy: progress.stoppedBy };
}
