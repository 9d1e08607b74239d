// The feed: how a model is fed. One typed description of every graph input (name, element type,
// batch shape), bound to the config's batch shapes and to the dataset's arrays by name. Data
// sources, calibration taps, timing, evaluation and training all take a feed, never "the input x".
import { SlimflowError } from './errors';
import { DType } from './tensor';

/** Element types onnxruntime's CPU build takes as model inputs (ONNX TensorProto.DataType names). */
export type ElementType = Extract<DType, 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool'>;

/** ONNX TensorProto.DataType codes of the element types above. */
export const ELEMENT_TYPE_CODES: Readonly<Record<ElementType, number>> = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11,
};

/** The element type of an ONNX data type code; undefined for types slimflow cannot feed (strings, complex…). */
export function elementTypeOf(code: number): ElementType | undefined {
  return (Object.entries(ELEMENT_TYPE_CODES) as [ElementType, number][]).find(([, c]) => c === code)?.[0];
}

/** One graph input as the graph declares it: a number for a fixed dim, the dim's name (or '?') for a dynamic one. */
export interface GraphInput {
  name: string;
  dtype: ElementType | `unsupported(${number})`;
  dims: (number | string)[];
}

/** One input as it is fed: every dim fixed (the batch shape used for timing and evaluation). */
export interface FeedInput {
  name: string;
  dtype: ElementType;
  /** Batch shape, batch first: e.g. [8, 3, 224, 224] or [8, 128]. */
  shape: number[];
}

/** How a model is fed and read: its inputs, the output the task metric reads, the threads. */
export interface Feed {
  inputs: FeedInput[];
  /** The graph output the task metric reads; undefined: the first graph output. */
  output?: string;
  threads: number;
}

/** Largest element count of one fed tensor: beyond it a batch shape is a typo, not a model (e.g. 1e12 for 192). */
export const MAX_FEED_ELEMENTS = 1 << 28;

/** The batch size of a feed: the first dim of its first input. */
export const batchSizeOf = (feed: Feed): number => feed.inputs[0]?.shape[0] ?? 1;

/**
 * Bind the graph's inputs to the batch shapes a config gives (`shapes`, by input name; `where` is
 * the config key that holds them). A graph input with no configured shape takes its declared dims
 * when they are all fixed. Every problem is a config error naming the input and the key.
 */
export function bindFeed(graph: readonly GraphInput[], shapes: Readonly<Record<string, readonly number[]>>, where = 'Global.inputs'): FeedInput[] {
  const known = new Set(graph.map((g) => g.name));
  for (const name of Object.keys(shapes)) {
    if (!known.has(name)) {
      throw new SlimflowError('INVALID_CONFIG', `the model has no input "${name}"; its inputs are ${graph.map((g) => g.name).join(', ') || '(none)'}`, `${where}.${name}`);
    }
  }
  return graph.map((g) => {
    const key = `${where}.${g.name}.shape`;
    if (g.dtype.startsWith('unsupported')) {
      throw new SlimflowError('NOT_SUPPORTED', `input "${g.name}" has element type ${g.dtype}; slimflow feeds ${Object.keys(ELEMENT_TYPE_CODES).join(', ')}`, `${where}.${g.name}`);
    }
    const given = shapes[g.name];
    const shape = given ? [...given] : g.dims.every((d) => typeof d === 'number' && d > 0) ? (g.dims as number[]) : undefined;
    if (!shape) {
      throw new SlimflowError('INVALID_CONFIG', `input "${g.name}" has dynamic dims [${g.dims.join(', ')}]; give its batch shape`, key);
    }
    if (g.dims.length > 0 && shape.length !== g.dims.length) {
      throw new SlimflowError('SHAPE_MISMATCH', `input "${g.name}" has rank ${g.dims.length} ([${g.dims.join(', ')}]) but the config gives [${shape.join(', ')}]`, key);
    }
    shape.forEach((d, i) => {
      if (!Number.isInteger(d) || d <= 0) throw new SlimflowError('INVALID_CONFIG', `dim ${i} of input "${g.name}" must be a positive integer, got ${d}`, key);
      const declared = g.dims[i];
      if (typeof declared === 'number' && declared > 0 && declared !== d) {
        throw new SlimflowError('SHAPE_MISMATCH', `dim ${i} of input "${g.name}" is fixed to ${declared} by the model, the config gives ${d}`, key);
      }
    });
    const elements = shape.reduce((a, b) => a * b, 1);
    if (elements > MAX_FEED_ELEMENTS) {
      throw new SlimflowError('INVALID_CONFIG', `input "${g.name}" of shape [${shape.join(', ')}] has ${elements} elements, more than the limit ${MAX_FEED_ELEMENTS}`, key);
    }
    return { name: g.name, dtype: g.dtype as ElementType, shape };
  });
}
