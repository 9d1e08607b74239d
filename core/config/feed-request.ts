// What a config asks of the feed, in one normalized form whichever way it was written
// (`Global.inputs` or the one-input shorthand `input_name`/`input_shape`). Pure: the workflow
// compiles it into the pipeline's `input` port; activities bind it to the graph's inputs.
import { SlimflowError } from '../errors';
import { bindFeed, Feed, FeedInput, GraphInput } from '../feed';
import type { GlobalConfig } from './schema';

/** The batch shapes a config gives, and where it gives them (for error messages). */
export interface FeedRequest {
  /** Batch shapes by input name. */
  inputs: Record<string, number[]>;
  /** The shorthand's shape when it names no input: the graph's single input takes it. */
  single?: number[];
  /** The graph output the task metric reads; absent: the first graph output. */
  output?: string;
  /** The config key holding the shapes: 'Global.inputs' or 'Global.input_shape'. */
  where: string;
}

/** The normalized feed description of a config's Global section. */
export function feedRequestOf(g: Pick<GlobalConfig, 'inputs' | 'input_name' | 'input_shape' | 'output'>): FeedRequest {
  const output = g.output !== undefined ? { output: g.output } : {};
  if (g.inputs) return { inputs: Object.fromEntries(Object.entries(g.inputs).map(([k, v]) => [k, [...v.shape]])), where: 'Global.inputs', ...output };
  const shape = g.input_shape ? [...g.input_shape] : undefined;
  if (shape && g.input_name) return { inputs: { [g.input_name]: shape }, where: 'Global.input_shape', ...output };
  return { inputs: {}, ...(shape ? { single: shape } : {}), where: g.input_shape ? 'Global.input_shape' : 'Global.inputs', ...output };
}

/** The batch size a config's feed runs at: the first dim of its first input's shape (8 when the graph fixes every shape). */
export function configBatchSize(g: Pick<GlobalConfig, 'inputs' | 'input_name' | 'input_shape' | 'output'>): number {
  const r = feedRequestOf(g);
  return (r.single ?? Object.values(r.inputs)[0])?.[0] ?? 8;
}

/**
 * The pipeline's `input` port: the feed description, the deploy threads, the task and its parameters.
 * `name`/`shape` repeat a one-input feed in the form recorded histories carry.
 */
export interface InputPort {
  inputs?: Record<string, number[]>;
  output?: string;
  threads: number;
  task: string;
  taskParams?: Record<string, unknown>;
  name?: string;
  shape?: number[];
}

/** The parameter block of the config's task (`Global.<task>`), when given. */
const taskParamsOf = (g: GlobalConfig): Record<string, unknown> | undefined => {
  const p = (g as Record<string, unknown>)[g.task];
  return p && typeof p === 'object' ? { ...(p as Record<string, unknown>) } : undefined;
};

/** The `input` port of a job config. */
export function inputPortOf(g: GlobalConfig): InputPort {
  const r = feedRequestOf(g);
  const names = Object.keys(r.inputs);
  const one = names.length === 1 ? { name: names[0], shape: r.inputs[names[0]] } : r.single ? { shape: r.single } : {};
  return {
    ...(names.length ? { inputs: r.inputs } : {}),
    ...one,
    ...(r.output !== undefined ? { output: r.output } : {}),
    threads: g.deploy.threads,
    task: g.task,
    ...(taskParamsOf(g) ? { taskParams: taskParamsOf(g) } : {}),
  };
}

/**
 * Bind what a config asks to the graph's inputs (see bindFeed): the shorthand's nameless shape goes to
 * the graph's single input. Every problem names the input and the config key that holds its shape.
 */
export function bindRequest(graph: readonly GraphInput[], request: FeedRequest): FeedInput[] {
  if (request.single) {
    if (graph.length !== 1) {
      throw new SlimflowError('INVALID_CONFIG', `the model has ${graph.length} inputs (${graph.map((g) => g.name).join(', ')}); give each its batch shape under Global.inputs, or name the one Global.input_shape is for with Global.input_name`, request.where);
    }
    return renamed(() => bindFeed(graph, { [graph[0].name]: request.single! }), request.where);
  }
  return request.where === 'Global.inputs' ? bindFeed(graph, request.inputs, 'Global.inputs') : renamed(() => bindFeed(graph, request.inputs), request.where, request.inputs);
}

/** bindFeed names `Global.inputs.<name>.shape`; for the shorthand the key is Global.input_shape (or input_name). */
function renamed<T>(fn: () => T, where: string, inputs: Record<string, number[]> = {}): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof SlimflowError)) throw e;
    const unknownName = Object.keys(inputs).some((n) => e.path === `Global.inputs.${n}`);
    const suffix = e.path ? ` (at ${e.path})` : '';
    const message = suffix && e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
    throw new SlimflowError(e.code, message, unknownName ? 'Global.input_name' : where);
  }
}

/**
 * The feed of a model: its inputs bound to the request (bindRequest), the output the task metric reads
 * (the request's, checked against the graph's outputs; else the first), and the threads.
 */
export function resolveFeed(graph: readonly GraphInput[], outputs: readonly string[], request: FeedRequest, threads: number): Feed {
  const inputs = bindRequest(graph, request);
  if (request.output !== undefined && !outputs.includes(request.output)) {
    throw new SlimflowError('INVALID_CONFIG', `the model has no output "${request.output}"; its outputs are ${outputs.join(', ') || '(none)'}`, 'Global.output');
  }
  return { inputs, output: request.output ?? outputs[0], threads };
}

/** The batch shapes a report shows: `inputShape` (the first input's, as reports always carried) and, with several inputs, each by name. */
export function reportShapes(g: Pick<GlobalConfig, 'inputs' | 'input_name' | 'input_shape' | 'output'>): { inputShape: number[]; inputShapes?: Record<string, number[]> } {
  const r = feedRequestOf(g);
  const named = Object.entries(r.inputs);
  return { inputShape: r.single ?? named[0]?.[1] ?? [], ...(named.length > 1 ? { inputShapes: r.inputs } : {}) };
}

/**
 * The batch size a stage may use for a model: the requested one, unless the graph fixes its inputs'
 * batch dim (an export with batch 1 takes batches of 1 only).
 */
export function batchSizeFor(graph: readonly GraphInput[], requested: number): number {
  const fixed = graph.map((g) => g.dims[0]).filter((d): d is number => typeof d === 'number' && d > 0);
  return fixed.length === graph.length && fixed.length > 0 ? fixed[0] : requested;
}
