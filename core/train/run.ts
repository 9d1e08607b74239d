import { iterateBatches } from '../data';
import { SlimflowError } from '../errors';
import type { Feed, FeedInput } from '../feed';
import { feedBatches } from '../feed-data';
import { prepareModel } from '../onnx/prepare';
import { Model } from '../onnx/proto';
import { Checkpoint } from './checkpoint';
import { stepsPerEpoch, TrainConfig } from './config';
import { autoDistillPairs } from './distill';
import { batchAt, restore, runEpoch, SampleSet, snapshot } from './epoch';
import { makeOptimizer } from './optim';
import { strategyFactory, StudentStrategy } from './strategy';
import { Trainer } from './trainer';

/**
 * The one input training feeds: the trainer builds its graphs around a single float32 input, so a
 * model with several inputs or an integer one (token ids) is refused, naming the config key.
 */
export function trainableInput(feed: Feed, where = 'Global.inputs'): FeedInput {
  if (feed.inputs.length !== 1) {
    throw new SlimflowError('NOT_SUPPORTED', `training (QAT, pruning, distillation) feeds one float32 input; this model has ${feed.inputs.length} (${feed.inputs.map((i) => `${i.name}: ${i.dtype}`).join(', ')})`, where);
  }
  const input = feed.inputs[0];
  if (input.dtype !== 'float32') throw new SlimflowError('NOT_SUPPORTED', `training feeds float32 inputs; input "${input.name}" is ${input.dtype}`, `${where}.${input.name}`);
  return input;
}

/** Read `samples` training samples of the feed's one input into memory, one [1, …] tensor each. */
export async function loadSampleSet(spec: unknown, samples: number, input: string | FeedInput): Promise<SampleSet> {
  const out: Float32Array[] = [];
  let dims: number[] = [];
  const inputName = typeof input === 'string' ? input : input.name;
  const batches = typeof input === 'string' ? iterateBatches(spec, { batchSize: 1, limit: samples, inputName }) : feedBatches(spec, [input], { batchSize: 1, limit: samples, where: 'Global.calibration_data' });
  for await (const b of batches) {
    const t = b.inputs[inputName];
    dims = t.dims;
    out.push(Float32Array.from(t.data as Float32Array));
  }
  if (out.length < samples) throw new SlimflowError('INVALID_DATA', `training data holds ${out.length} samples, config asks for ${samples}`, 'train.samples');
  return { inputName, samples: out, dims };
}

/** A trainer with its strategy, ready to run epochs. */
export interface TrainingRun { trainer: Trainer; strategy: StudentStrategy; set: SampleSet; config: TrainConfig }

/** Prepare teacher and student (BN folded, HardSwish fused), build the training graph and the strategy. */
export async function openTrainingRun(student: Model, teacher: Model, set: SampleSet, config: TrainConfig, epoch = 0): Promise<TrainingRun> {
  // ConvTransposes stay as they are: channel pruning and the gradient rules work on the original layers.
  const s = prepareModel(student, { convTransposeToConv: false }).model;
  const t = prepareModel(teacher, { convTransposeToConv: false }).model;
  const pairs = config.distill.pairs ?? autoDistillPairs(s, config.distill.nodes, config.distill.loss);
  const plan = await strategyFactory(config.strategy.kind)(s, { totalSteps: stepsPerEpoch(config), set, config });
  const trainer = await Trainer.create({
    student: plan.student, teacher: t, sample: batchAt(set, config, epoch, 0), pairs,
    optimizer: makeOptimizer(config.optimizer), clipNorm: config.clipNorm, threads: config.threads,
    extraFeeds: plan.extraFeeds, keepOutputs: plan.keepOutputs,
  });
  const strategy = await plan.attach(trainer);
  return { trainer, strategy, set, config };
}

/** Continue from a checkpoint (weights, optimizer, strategy state). */
export function resumeRun(run: TrainingRun, c: Checkpoint): void {
  restore(run.trainer, c);
  run.strategy.loadExtra(c.extra);
}

/** Run (the rest of) one epoch; returns the losses and the end-of-epoch checkpoint (cursor at the next epoch). */
export async function trainOneEpoch(run: TrainingRun, epoch: number, from?: Checkpoint, hooks: { onStep?(step: number, loss: number): void | Promise<void>; onCheckpoint?(c: Checkpoint): Promise<void> } = {}): Promise<{ losses: number[]; end: Checkpoint }> {
  const steps = stepsPerEpoch(run.config);
  const fromStep = from && from.epoch === epoch ? from.step : 0;
  const losses = from && from.epoch === epoch ? [...((from.meta.losses as number[] | undefined) ?? [])] : [];
  await runEpoch(run.trainer, run.set, run.config, epoch, fromStep, losses, {
    onStep: async (step, loss) => {
      run.strategy.onStep?.(epoch * steps + step);
      await hooks.onStep?.(step, loss);
    },
    onCheckpoint: hooks.onCheckpoint,
    extraState: () => run.strategy.extraState(),
  });
  return { losses, end: snapshot(run.trainer, epoch + 1, 0, run.strategy.extraState(), { losses: [] }) };
}
