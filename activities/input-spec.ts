import { FeedRequest, resolveFeed } from '../core/config/feed-request';
import { SlimflowError } from '../core/errors';
import type { Feed } from '../core/feed';
import { graphInputs, graphOutputs } from '../core/onnx/graph-inputs';
import type { Model } from '../core/onnx/proto';
import type { ModelSession } from '../core/runtime/session';

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

/** The feed of a loaded model (graph inputs and outputs read from its proto). */
export function feedForModel(model: Model, spec: InputSpec): Feed {
  return resolveFeed(graphInputs(model), graphOutputs(model).map((o) => o.name), spec.request, spec.threads);
}

/** The feed of an open session (graph inputs and outputs as onnxruntime reads them). */
export function feedForSession(session: ModelSession, spec: InputSpec): Feed {
  return resolveFeed(session.graphInputs, session.outputNames, spec.request, spec.threads);
}
