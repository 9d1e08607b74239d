import * as path from 'node:path';
import { bindRequest, feedRequestOf } from '../core/config/feed-request';
import { loadJobConfig } from '../core/config/load';
import { SlimflowError } from '../core/errors';
import type { FeedInput } from '../core/feed';
import { graphInputs } from '../core/onnx/graph-inputs';
import { readModel } from '../core/onnx/model-io';
import { Model } from '../core/onnx/proto';
import { inputsFromShapeFlags } from './shape-flags';

/** Help text of the `--config` flag of profile and estimate. */
export const CONFIG_SHAPES_HELP = 'a job config: its Global.inputs give the batch shapes (and Global.model the model, when none is named)';

/**
 * A model named on the command line and its feed: `--shape` flags first, else the job config's
 * Global.inputs, else the graph's fixed dims. A dynamic dim nobody fixed is one error naming the
 * input and both ways to fix it.
 */
export function modelAndFeed(opts: { model?: string; config?: string; shape: readonly string[] }): { file: string; model: Model; inputs: FeedInput[] } {
  const config = opts.config ? loadJobConfig(opts.config) : undefined;
  const file = opts.model ?? config?.Global.model;
  if (!file) throw new SlimflowError('INVALID_CONFIG', 'no model named: give --model (or a --config with Global.model)', '--model');
  const model = readModel(file);
  if (config && !opts.shape.length) return { file, model, inputs: bindRequest(graphInputs(model), feedRequestOf(config.Global)) };
  try {
    return { file, model, inputs: inputsFromShapeFlags(model, opts.shape) };
  } catch (e) {
    if (!(e instanceof SlimflowError) || !/dynamic dims/.test(e.message) || opts.shape.length) throw e;
    const graph = graphInputs(model);
    const open = graph.filter((g) => g.dims.some((d) => typeof d !== 'number' || d <= 0));
    const flag = graph.length > 1 ? `${open[0].name}=<dims>` : '<dims>';
    throw new SlimflowError('INVALID_CONFIG', `input "${open[0].name}" of ${path.basename(file)} has dynamic dims [${open[0].dims.join(', ')}]: give its batch shape with --shape ${flag}${open.length > 1 ? ` (one flag per dynamic input: ${open.map((g) => g.name).join(', ')})` : ''}, or a job config whose Global.inputs gives it (--config)`, '--shape');
  }
}
