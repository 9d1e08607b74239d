// The feed preflight: a config's inputs bound to the model file's graph, and the first sample of
// each dataset checked against them, client-side and before any workflow starts. Temporal-free and
// fast (one model parse, one sample per dataset).
import { SlimflowError } from '../errors';
import { Feed } from '../feed';
import { feedBatches } from '../feed-data';
import { readModel } from '../onnx/model-io';
import { graphInputs, graphOutputs } from '../onnx/graph-inputs';
import { Model } from '../onnx/proto';
import { trainingInputs } from '../train/run';
import { trainingConfigs } from './compile';
import { feedRequestOf, resolveFeed } from './feed-request';
import type { JobConfig } from './schema';

/** The feed a config asks for, bound to its model's graph (the model file of Global.model unless given). */
export function configFeed(config: JobConfig, model: Model = readModel(config.Global.model)): Feed {
  return resolveFeed(graphInputs(model), graphOutputs(model).map((o) => o.name), feedRequestOf(config.Global), config.Global.deploy.threads);
}

/** What the preflight found: the bound feed and, per dataset key, the shapes of its first sample. */
export interface FeedCheck {
  feed: Feed;
  datasets: { key: string; sample: Record<string, { dtype: string; dims: number[] }> }[];
}

/**
 * Check that a config can feed its model: every graph input has a batch shape of the right rank (a
 * dynamic input missing from Global.inputs is an error), Global.output exists, and the first sample of
 * Global.calibration_data and Global.eval_data has an array of the right element type and rank for
 * every input. Each problem is one SlimflowError naming the input and the config key.
 */
export async function checkFeed(config: JobConfig, modelPath = config.Global.model): Promise<FeedCheck> {
  const feed = configFeed(config, readModel(modelPath));
  // Training sections (QAT, pruning, distillation) feed every graph input; a feed with none is refused now, not after PTQ.
  if (trainingConfigs(config).length > 0) trainingInputs(feed, feedRequestOf(config.Global).where);
  const g = config.Global;
  const datasets: FeedCheck['datasets'] = [];
  for (const [key, spec] of [['Global.calibration_data', g.calibration_data], ['Global.eval_data', g.eval_data]] as const) {
    if (spec === undefined) continue;
    let sample: FeedCheck['datasets'][number]['sample'] | undefined;
    for await (const b of feedBatches(spec, feed.inputs, { batchSize: 1, limit: 1, where: key })) {
      sample = Object.fromEntries(Object.entries(b.inputs).map(([k, t]) => [k, { dtype: t.dtype, dims: t.dims }]));
    }
    if (!sample) throw new SlimflowError('INVALID_DATA', 'the dataset holds no sample', key);
    datasets.push({ key, sample });
  }
  return { feed, datasets };
}
