import { Tensor } from '../tensor';
import { Checkpoint } from './checkpoint';
import { TrainConfig, stepsPerEpoch } from './config';
import { epochOrder } from './data-order';
import { learningRate } from './schedule';
import { Trainer } from './trainer';

/** Training samples held in memory, one [1, …] tensor each, so any epoch order can be replayed exactly. */
export interface SampleSet { inputName: string; samples: Float32Array[]; dims: number[] }

/** The batch at `step` of `epoch`, in the seeded order. */
export function batchAt(set: SampleSet, config: TrainConfig, epoch: number, step: number): Record<string, Tensor> {
  const order = epochOrder(set.samples.length, config.seed, epoch);
  const per = set.samples[0].length;
  const data = new Float32Array(per * config.batchSize);
  for (let i = 0; i < config.batchSize; i++) data.set(set.samples[order[step * config.batchSize + i]], i * per);
  return { [set.inputName]: { dtype: 'float32', dims: [config.batchSize, ...set.dims.slice(1)], data } };
}

/** Hooks the caller (an activity) uses to heartbeat and persist. */
export interface EpochHooks {
  /** After every step. */
  onStep?(step: number, loss: number): void | Promise<void>;
  /** Every `checkpointEvery` steps (and not after the last: the epoch result covers it). */
  onCheckpoint?(c: Checkpoint): Promise<void>;
  /** Strategy state to save in checkpoints. */
  extraState?(): Record<string, Float32Array>;
}

/** Snapshot of the trainer at a step (copies, so training can go on). */
export function snapshot(trainer: Trainer, epoch: number, step: number, extra: Record<string, Float32Array>, meta: Record<string, unknown>): Checkpoint {
  const params = Object.fromEntries(Object.entries(trainer.params).map(([k, v]) => [k, Float32Array.from(v)]));
  const slots = Object.fromEntries(Object.entries(trainer.state.slots).map(([k, l]) => [k, l.map((v) => Float32Array.from(v))]));
  return { epoch, step, optimizerStep: trainer.state.step, params, slots, extra, meta };
}

/** Put a checkpoint's weights and optimizer state back into a trainer. */
export function restore(trainer: Trainer, c: Checkpoint): void {
  for (const [k, v] of Object.entries(c.params)) trainer.params[k].set(v);
  for (const [k, list] of Object.entries(c.slots)) list.forEach((v, i) => trainer.state.slots[k][i].set(v));
  trainer.state.step = c.optimizerStep;
}

/** Run the rest of an epoch from `fromStep`; returns the mean loss of the steps it ran and the losses so far. */
export async function runEpoch(trainer: Trainer, set: SampleSet, config: TrainConfig, epoch: number, fromStep: number, losses: number[], hooks: EpochHooks = {}): Promise<number[]> {
  const steps = stepsPerEpoch(config);
  for (let step = fromStep; step < steps; step++) {
    const lr = learningRate(config.schedule, epoch * steps + step);
    const { loss } = await trainer.step(batchAt(set, config, epoch, step), lr);
    losses.push(loss);
    await hooks.onStep?.(step + 1, loss);
    if ((step + 1) % config.checkpointEvery === 0 && step + 1 < steps && hooks.onCheckpoint) {
      await hooks.onCheckpoint(snapshot(trainer, epoch, step + 1, hooks.extraState?.() ?? {}, { losses }));
    }
  }
  return losses;
}
