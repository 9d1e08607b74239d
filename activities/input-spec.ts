import { FeedRequest, resolveFeed } from '../core/config/feed-request';
import { SlimflowError } from '../core/errors';
import type { Feed } from '../core/feed';
import { shapesFromData } from '../core/feed-data';
import { graphInputs, graphOutputs } from '../core/onnx/graph-inputs';
import type { Model } from '../core/onnx/proto';
import { ModelSession } from '../core/runtime/session';

/** The `input` port of a stage, read: what the config asks of the feed, threads, the task and its parameters. */
export interface InputSpec {
  request: FeedRequest;
  threads: number;
  /** The task metric's name (Global.task); older pipelines without it measured top-1 classification. */
  task: string;
  taskParams?: Record<string, unknown>;
}

const positiveInts = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((d) => Number.isInteger(d) && d > 0);

/**
 * Read the `input` port of a stage, in the form compileConfig writes today
 * (`{inputs: {name: shape}, output, threads, task, taskParams}`) or the one recorded histories carry
 * (`{name, shape, threads, task}`). Without shapes, every graph input must have fixed dims.
 */
export function inputSpec(raw: unknown): InputSpec {
  const v = (raw ?? {}) as { inputs?: unknown; name?: unknown; shape?: unknown; output?: unknown; threads?: unknown; task?: unknown; taskParams?: unknown };
  const inputs: Record<string, number[]> = {};
  let single: number[] | undefined;
  let where = 'Global.inputs';
  if (v.inputs !== undefined) {
    if (typeof v.inputs !== 'object' || v.inputs === null || Array.isArray(v.inputs)) {
      throw new SlimflowError('INVALID_CONFIG', `input.inputs must map input names to batch shapes, got ${JSON.stringify(v.inputs)}`, 'Global.inputs');
    }
    for (const [name, shape] of Object.entries(v.inputs as Record<string, unknown>)) {
      // Both `{name: [8, 128]}` (the port) and `{name: {shape: [8, 128]}}` (the config's form) are read.
      const dims = (shape as { shape?: unknown })?.shape ?? shape;
      if (!positiveInts(dims)) throw new SlimflowError('INVALID_CONFIG', `the batch shape of input "${name}" must be positive integers, got ${JSON.stringify(dims)}`, `Global.inputs.${name}.shape`);
      inputs[name] = [...dims];
    }
    // A port compiled from the shorthand repeats it as name/shape: errors then name Global.input_name/input_shape.
    const names = Object.keys(inputs);
    if (names.length === 1 && v.name === names[0] && positiveInts(v.shape)) where = 'Global.input_shape';
  } else if (v.shape !== undefined) {
    where = 'Global.input_shape';
    if (!positiveInts(v.shape)) throw new SlimflowError('INVALID_CONFIG', `input shape must be positive integers, got ${JSON.stringify(v.shape)}`, 'Global.input_shape');
    if (typeof v.name === 'string' && v.name) inputs[v.name] = [...v.shape];
    else single = [...v.shape];
  }
  const threads = typeof v.threads === 'number' && Number.isInteger(v.threads) && v.threads > 0 ? v.threads : 1;
  return {
    request: { inputs, ...(single ? { single } : {}), ...(typeof v.output === 'string' ? { output: v.output } : {}), where },
    threads,
    task: typeof v.task === 'string' ? v.task : 'classification',
    ...(v.taskParams && typeof v.taskParams === 'object' ? { taskParams: v.taskParams as Record<string, unknown> } : {}),
  };
}

/** Where a stage may read batch shapes when its port gives none: a dataset and the batch size to run at. */
export interface DataShapes {
  data: unknown;
  batchSize: number;
}

/** The batch size of a stage fed from data without shapes in its port (what the PP-OCR jobs always ran at). */
export const DEFAULT_BATCH = 8;

/**
 * The feed of a model: graph inputs and outputs (from its proto, or as an open session reads them)
 * bound to the port's request. A port that gives no shapes at all, for a graph with dynamic dims,
 * takes them from the first sample of `from` (a hand-written pipeline need not repeat the data's shape).
 */
export async function feedFor(model: Model | ModelSession, spec: InputSpec, from?: DataShapes): Promise<Feed> {
  const [graph, outputs] = model instanceof ModelSession ? [model.graphInputs, model.outputNames] : [graphInputs(model), graphOutputs(model).map((o) => o.name)];
  const r = spec.request;
  const asksNothing = Object.keys(r.inputs).length === 0 && !r.single;
  const dynamic = graph.some((g) => g.dims.some((d) => typeof d !== 'number'));
  const request = asksNothing && dynamic && from ? { ...r, inputs: await shapesFromData(graph, from.data, from.batchSize), where: 'input (shapes read from the data)' } : r;
  return resolveFeed(graph, outputs, request, spec.threads);
}

/** The feed of a loaded model from the port alone (stages without data: timing, estimates). */
export function feedForModel(model: Model, spec: InputSpec): Feed {
  const graph = graphInputs(model);
  const r = spec.request;
  const dynamic = graph.find((g) => g.dims.some((d) => typeof d !== 'number'));
  if (dynamic && Object.keys(r.inputs).length === 0 && !r.single) {
    throw new SlimflowError('INVALID_CONFIG', `the stage's input port gives no batch shapes, and model input "${dynamic.name}" has dynamic dims [${dynamic.dims.join(', ')}]; give them: Global.inputs in a job config, or input: { inputs: { ${dynamic.name}: [<batch shape>] } } in a pipeline`, 'input');
  }
  return resolveFeed(graph, graphOutputs(model).map((o) => o.name), r, spec.threads);
}
