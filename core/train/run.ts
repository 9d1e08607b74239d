import { iterateBatches } from '../data';
import { SlimflowError } from '../errors';
import type { Feed, FeedInput } from '../feed';
import { feedBatches } from '../feed-data';
import { Tensor } from '../tensor';
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
 * The inputs training feeds: every graph input, of any element type the feed takes. Gradients flow
 * to the weights only, so integer inputs (token ids, masks) pass through; a feed with no input is refused.
 */
export function trainingInputs(feed: Feed, where = 'Global.inputs'): FeedInput[] {
  if (feed.inputs.length === 0) throw new SlimflowError('INVALID_CONFIG', 'training needs at least one model input', where);
  return feed.inputs;
}

/** Read `samples` training samples of every feed input into memory, one [1, …] array per input each. */
export async function loadSampleSet(spec: unknown, samples: number, input: string | FeedInput | FeedInput[]): Promise<SampleSet> {
  const feedInputs = typeof input === 'string' ? undefined : Array.isArray(input) ? input : [input];
  const names = feedInputs ? feedInputs.map((i) => i.name) : [input as string];
  const batches = feedInputs
    ? feedBatches(spec, feedInputs, { batchSize: 1, limit: samples, where: 'Global.calibration_data' })
    : iterateBatches(spec, { batchSize: 1, limit: samples, inputName: input as string });
  const out: Tensor['data'][][] = [];
  let inputs: SampleSet['inputs'] = [];
  for await (const b of batches) {
    const ts = names.map((n) => b.inputs[n]);
    inputs = ts.map((t, k) => ({ name: names[k], dtype: t.dtype, dims: t.dims }));
    out.push(ts.map((t) => t.data.slice() as Tensor['data']));
  }
  if (out.length < samples) throw new SlimflowError('INVALID_DATA', `training data holds ${out.length} samples, the training set size asks for ${samples} (TrainConfig.train_samples; default Global.calibration_data.count, else 256)`, 'TrainConfig.train_samples');
  return { inputs, samples: out };
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
