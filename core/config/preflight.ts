// The preflight: what a job config names is checked on the client, in seconds and before any
// workflow starts (`slimflow check`; compress and fleet run it first). The model decodes, the feed
// binds to its inputs and output (rank, element type), every dataset exists and yields the samples
// asked for, every registry name resolves. Each problem is one line naming its config key.
import * as fs from 'node:fs';
import { REF_SCHEME } from '../artifacts/store';
import { countSamples } from '../data';
import { ErrorCode, SlimflowError } from '../errors';
import { Feed } from '../feed';
import { feedBatches } from '../feed-data';
import { readModel } from '../onnx/model-io';
import { Model } from '../onnx/proto';
import { parseTrainConfig } from '../train/config';
import { getDistillLoss } from '../train/losses';
import { trainingInputs } from '../train/run';
import { strategyFactory } from '../train/strategy';
import '../train/strategies';
import { taskEntry } from '../metrics/task-meters/registry';
import { getCalibrator } from '../quant/calibrators';
import { trainingConfigs } from './compile';
import { sectionOfStrategy } from '../components/train-sections';
import { configFeed } from './check-feed';
import { feedRequestOf } from './feed-request';
import type { JobConfig } from './schema';

/** One thing a config asks that cannot work, under the config key that asks it. */
export interface Problem {
  code: ErrorCode;
  /** The config key (e.g. "QuantPost.algo", "Global.calibration_data"). */
  key: string;
  message: string;
}

/** The one line a problem prints as. */
export const problemLine = (p: Problem): string => `${p.code}: ${p.key}: ${p.message}`;

/** Config keys start with a section name; other error paths (a file, a tensor) stay in the message. */
const isConfigKey = (path: string | undefined): path is string => !!path && /^(Global|QuantPost|HyperParameterOptimization|Distillation|QuantAware|UnstructurePrune|ChannelPrune|ASPPrune|TrainConfig|models)\b/.test(path);

/** A thrown input error as a problem under `key` (or under the more precise config key it names). */
export function problemOf(e: unknown, key: string, fallback: ErrorCode = 'INVALID_CONFIG'): Problem {
  if (!(e instanceof SlimflowError) || !e.isInputError) {
    if (fallback === 'INVALID_MODEL') return { code: fallback, key, message: e instanceof Error ? e.message : String(e) };
    throw e;
  }
  const at = isConfigKey(e.path) ? e.path : key;
  const message = e.path && at === e.path ? e.message.slice(0, e.message.length - ` (at ${e.path})`.length) : e.message;
  return { code: e.code, key: at, message };
}

/** Run `f`; a thrown input error becomes a problem. */
async function attempt<T>(problems: Problem[], key: string, f: () => T | Promise<T>, fallback?: ErrorCode): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    problems.push(problemOf(e, key, fallback));
    return undefined;
  }
}

/** Every name the config gives that a registry must know, with its config key. */
async function checkNames(config: JobConfig, problems: Problem[]): Promise<void> {
  // The schema resolves calibrator names already (aliases included); these catch a registry and the schema drifting apart.
  const qp = config.QuantPost;
  if (qp) await attempt(problems, 'QuantPost.algo', () => getCalibrator(qp.algo, 'QuantPost.algo'));
  for (const [i, name] of (config.HyperParameterOptimization?.ptq_algo ?? []).entries()) {
    await attempt(problems, `HyperParameterOptimization.ptq_algo[${i}]`, () => getCalibrator(name, `HyperParameterOptimization.ptq_algo[${i}]`));
  }
  await attempt(problems, 'Global.task', () => taskEntry(config.Global.task));
  if (config.Distillation) await attempt(problems, 'Distillation.loss', () => getDistillLoss(config.Distillation!.loss));
  for (const train of trainingConfigs(config)) {
    const kind = (train.strategy as { kind: string }).kind;
    // The section the strategy comes from, for errors (TrainConfig alone: plain distillation).
    await attempt(problems, sectionOfStrategy(kind), () => strategyFactory(kind));
  }
}

/** The samples a dataset must yield: its own count, and for the training data the samples a training reads. */
function samplesNeeded(config: JobConfig, key: 'Global.calibration_data' | 'Global.eval_data'): number {
  const spec = (key === 'Global.calibration_data' ? config.Global.calibration_data : config.Global.eval_data) as { count?: number } | undefined;
  const own = typeof spec?.count === 'number' ? spec.count : 1;
  if (key !== 'Global.calibration_data') return own;
  // A training reads `samples` (compiled from TrainConfig.train_samples or the calibration count), else the trainer's default.
  const training = trainingConfigs(config).map((t) => parseTrainConfig(typeof t.samples === 'number' ? { samples: t.samples } : {}).samples);
  return Math.max(own, ...training);
}

/** Each dataset exists, yields what is asked, and its first sample fits the feed (when the feed bound). */
async function checkData(config: JobConfig, feed: Feed | undefined, problems: Problem[]): Promise<void> {
  const g = config.Global;
  for (const [key, spec] of [['Global.calibration_data', g.calibration_data], ['Global.eval_data', g.eval_data]] as const) {
    if (spec === undefined) continue;
    const require = await attempt(problems, key, () => samplesNeeded(config, key));
    if (require === undefined) continue;
    const n = await attempt(problems, key, () => countSamples(spec, { require, key, ...(feed ? { feed: feed.inputs } : {}) }), 'INVALID_DATA');
    if (n === undefined || !feed) continue;
    await attempt(problems, key, async () => {
      for await (const _ of feedBatches(spec, feed.inputs, { batchSize: 1, limit: 1, where: key })) void _;
    });
  }
}

/**
 * Every problem of a config that can be found without running it, in config order. The config is a
 * parsed one (load.ts has checked its keys and values); paths are as the job will read them.
 */
export async function preflightConfig(config: JobConfig): Promise<Problem[]> {
  const problems: Problem[] = [];
  const g = config.Global;
  let model: Model | undefined;
  // A store reference was put there by a client that checked it; the worker reads it.
  if (g.model.startsWith(REF_SCHEME)) model = undefined;
  else if (!fs.existsSync(g.model)) problems.push({ code: 'NOT_FOUND', key: 'Global.model', message: `model file does not exist: ${g.model}` });
  else model = await attempt(problems, 'Global.model', () => readModel(g.model), 'INVALID_MODEL');
  let feed: Feed | undefined;
  if (model) {
    const m = model;
    feed = await attempt(problems, feedRequestOf(g).where, () => configFeed(config, m));
    // Training sections feed every graph input (integer ones pass through); a feed with none is refused now, not after PTQ.
    if (feed && trainingConfigs(config).length > 0) {
      const f = feed;
      if (!(await attempt(problems, feedRequestOf(g).where, () => trainingInputs(f, feedRequestOf(g).where)))) feed = undefined;
    }
  }
  await checkData(config, feed, problems);
  await checkNames(config, problems);
  if (g.deploy.latency_table !== undefined && !fs.existsSync(g.deploy.latency_table)) {
    problems.push({ code: 'NOT_FOUND', key: 'Global.deploy.latency_table', message: `latency table does not exist: ${g.deploy.latency_table}` });
  }
  return problems;
}
