import { Context } from '@temporalio/activity';
import { ArtifactRef, sha256 } from '../core/artifacts/store';
import { decodeCheckpoint, encodeCheckpoint, Checkpoint } from '../core/train/checkpoint';
import { parseTrainConfig, stepsPerEpoch } from '../core/train/config';
import { loadSampleSet, openTrainingRun, resumeRun, trainingInputs, trainOneEpoch } from '../core/train/run';
import '../core/train/strategies';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { beat } from './heartbeat';
import { feedFor, inputSpec } from './input-spec';
import { loadModelRef, storeModel } from './model-refs';

export interface TrainEpochInput {
  /** The initial student (the same ref every epoch; progress travels in `state`). */
  model: ArtifactRef;
  teacher: ArtifactRef;
  train: unknown;
  config?: unknown;
  /** End-of-epoch checkpoint of the previous epoch, if any. */
  state?: ArtifactRef | null;
  epoch?: number;
  input?: unknown;
}

export interface TrainEpochResult {
  /** The deployable student after this epoch (QDQ for QAT). */
  model: ArtifactRef;
  /** Checkpoint to start the next epoch from. */
  state: ArtifactRef;
  loss: number;
  epoch: number;
  steps: number;
  /** Step this attempt started from (> 0 when it resumed a checkpoint). */
  resumedFromStep: number;
}

/** Heartbeat details of the previous attempt, if it left any. */
function previousDetails(): { checkpoint?: ArtifactRef } | undefined {
  try {
    return Context.current().info.heartbeatDetails as { checkpoint?: ArtifactRef } | undefined;
  } catch {
    return undefined;
  }
}

/** The trainEpoch activity: one epoch, checkpointing every N steps, resuming a retried attempt from the last checkpoint. */
export function createTrainActivities(deps: ActivityDeps) {
  return {
    async trainEpoch(input: TrainEpochInput): Promise<TrainEpochResult> {
      return asActivity(async () => {
        const config = parseTrainConfig(input.config);
        const epoch = input.epoch ?? 0;
        const spec = inputSpec(input.input);
        const runKey = `train-${sha256(JSON.stringify([input.model.sha256, input.teacher.sha256, input.train, config, input.state?.sha256 ?? null, epoch, spec.request]))}`;
        const done = await deps.store.lookup<TrainEpochResult>(runKey);
        if (done) return done;

        const steps = stepsPerEpoch(config);
        // Resume: the previous attempt's last heartbeat, else the newest checkpoint it recorded (that heartbeat may have been lost).
        let resume: Checkpoint | undefined;
        const ref = previousDetails()?.checkpoint ?? (await newestRecorded(deps, runKey, steps, config.checkpointEvery));
        if (ref) resume = decodeCheckpoint(await deps.store.read(ref));
        else if (input.state) resume = decodeCheckpoint(await deps.store.read(input.state));

        let lastRef: ArtifactRef | undefined = ref;
        beat({ stage: 'loading', epoch, checkpoint: lastRef });
        const student = await loadModelRef(deps, input.model);
        const set = await loadSampleSet(input.train, config.samples, trainingInputs(await feedFor(student, spec, { data: input.train, batchSize: 1 }), spec.request.where));
        const run = await openTrainingRun(student, await loadModelRef(deps, input.teacher), set, config, epoch);
        try {
          if (resume) resumeRun(run, resume);
          const resumedFromStep = resume && resume.epoch === epoch ? resume.step : 0;
          const { losses, end } = await trainOneEpoch(run, epoch, resume, {
            onStep: (step, loss) => beat({ epoch, step, loss, checkpoint: lastRef }),
            onCheckpoint: async (c) => {
              // Checkpoint first, then its ref in the store's index, then the heartbeat.
              lastRef = await deps.store.put(encodeCheckpoint(c), 'checkpoint', 'ckpt');
              await deps.store.record(`${runKey}.ckpt.${c.step}`, lastRef);
              beat({ epoch, step: c.step, checkpoint: lastRef });
            },
          });
          const state = await deps.store.put(encodeCheckpoint(end), 'checkpoint', 'ckpt');
          const model = await storeModel(deps, await run.strategy.exportModel());
          const result: TrainEpochResult = {
            model, state, epoch, steps, resumedFromStep,
            loss: losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : 0,
          };
          await deps.store.record(runKey, result);
          return result;
        } finally {
          await run.trainer.release();
        }
      });
    },
  };
}

/** The newest checkpoint recorded for a run, probing the step ladder from the top. */
async function newestRecorded(deps: ActivityDeps, runKey: string, steps: number, every: number): Promise<ArtifactRef | undefined> {
  for (let s = Math.floor((steps - 1) / every) * every; s > 0; s -= every) {
    const ref = await deps.store.lookup<ArtifactRef>(`${runKey}.ckpt.${s}`);
    if (ref) return ref;
  }
  return undefined;
}
