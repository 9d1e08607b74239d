import { DType, Tensor } from '../tensor';
import { Checkpoint } from './checkpoint';
import { TrainConfig, stepsPerEpoch } from './config';
import { epochOrder } from './data-order';
import { learningRate } from './schedule';
import { Trainer } from './trainer';

/** One model input of a sample set: its element type and one sample's [1, …] dims. */
export interface SampleInput { name: string; dtype: DType; dims: number[] }

/**
 * Training samples held in memory, so any epoch order can be replayed exactly: per sample, one
 * [1, …] array per input (float images, or int64 token ids and masks that pass through untouched).
 */
export interface SampleSet { inputs: SampleInput[]; samples: Tensor['data'][][] }

/** The batch at `step` of `epoch`, in the seeded order: every input stacked on axis 0 in its own type. */
export function batchAt(set: SampleSet, config: TrainConfig, epoch: number, step: number): Record<string, Tensor> {
  const order = epochOrder(set.samples.length, config.seed, epoch);
  const out: Record<string, Tensor> = {};
  set.inputs.forEach((input, k) => {
    const first = set.samples[0][k];
    const per = first.length;
    const data = new (first.constructor as new (n: number) => Tensor['data'])(per * config.batchSize);
    for (let i = 0; i < config.batchSize; i++) (data as { set(a: ArrayLike<unknown>, o: number): void }).set(set.samples[order[step * config.batchSize + i]][k] as ArrayLike<unknown>, i * per);
    out[input.name] = { dtype: input.dtype, dims: [config.batchSize, ...input.dims.slice(1)], data } as Tensor;
  });
  return out;
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
