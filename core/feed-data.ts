// A dataset read for a feed: every batch holds one tensor per feed input, of the input's element
// type and rank. A dataset that cannot feed the model fails on its first batch, naming the input
// and the config key of the dataset; the model is never run on data it was not made for.
import { Batch, iterateBatches } from './data';
import { SlimflowError } from './errors';
import { FeedInput, GraphInput } from './feed';
import { Tensor } from './tensor';

export interface FeedBatchOptions {
  batchSize: number;
  /** Stop after this many samples in total. */
  limit?: number;
  /** The config key of the dataset, for errors (e.g. 'Global.calibration_data'). */
  where?: string;
}

/** Check one batch's tensors against the feed; returns the batch with exactly the feed's inputs. */
export function checkBatch(batch: Batch, inputs: readonly FeedInput[], where = 'dataset'): Batch {
  const fed: Record<string, Tensor> = {};
  for (const input of inputs) {
    const t = batch.inputs[input.name];
    if (!t) {
      const has = Object.keys(batch.inputs);
      throw new SlimflowError('INVALID_DATA', `the dataset has no array for model input "${input.name}"; it holds ${has.join(', ') || 'nothing'}`, `${where} (input ${input.name})`);
    }
    if (t.dtype !== input.dtype) {
      throw new SlimflowError('INVALID_DATA', `the dataset's "${input.name}" is ${t.dtype}, the model's input "${input.name}" takes ${input.dtype}`, `${where} (input ${input.name})`);
    }
    if (t.dims.length !== input.shape.length) {
      throw new SlimflowError('SHAPE_MISMATCH', `the dataset's "${input.name}" batch has shape [${t.dims.join(', ')}] (rank ${t.dims.length}), the model's input "${input.name}" has rank ${input.shape.length} ([${input.shape.join(', ')}])`, `${where} (input ${input.name})`);
    }
    fed[input.name] = t;
  }
  return { ...batch, inputs: fed };
}

/**
 * Stream a dataset as batches for the feed's inputs: core/data matches named arrays to the inputs and
 * converts element types; checkBatch then guarantees the result. The last batch may be smaller.
 */
export async function* feedBatches(spec: unknown, inputs: readonly FeedInput[], opts: FeedBatchOptions): AsyncGenerator<Batch> {
  // The feed and the config key go to the data layer as one spread (older data layers took an input name only).
  const binding = { feed: inputs, key: opts.where };
  const inputName = inputs.length === 1 ? inputs[0].name : undefined;
  const batches = iterateBatches(spec, { batchSize: opts.batchSize, limit: opts.limit, ...(inputName ? { inputName } : {}), ...binding });
  for (;;) {
    let next: IteratorResult<Batch, unknown>;
    try {
      next = await batches.next();
    } catch (e) {
      throw atKey(e, opts.where);
    }
    if (next.done) return;
    yield checkBatch(next.value, inputs, opts.where);
  }
}

/** A data error that names a file or sample gets the config key of its dataset too (the file stays in the message). */
function atKey(e: unknown, key: string | undefined): unknown {
  if (!key || !(e instanceof SlimflowError) || !e.path || e.path.startsWith(key)) return e;
  const suffix = ` (at ${e.path})`;
  const message = e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
  return new SlimflowError(e.code, `${message}, in ${e.path}`, key, { cause: e });
}

/** The batches' input tensors alone (what calibration and sensitivity consume). */
export async function* feedTensors(batches: AsyncIterable<Batch>): AsyncGenerator<Record<string, Tensor>> {
  for await (const b of batches) yield b.inputs;
}

/** A full batch of the feed's shape from real data, if the batch is one (every input's dims equal the feed's). */
export function isFullBatch(batch: Batch, inputs: readonly FeedInput[]): boolean {
  return inputs.every((i) => {
    const t = batch.inputs[i.name];
    return !!t && t.dims.length === i.shape.length && t.dims.every((d, k) => d === i.shape[k]);
  });
}

/** A constant feed of the feed's shapes: floats 0.1, integers 1 and booleans true (valid token ids and masks). */
export function syntheticFeed(inputs: readonly FeedInput[]): Record<string, Tensor> {
  return Object.fromEntries(inputs.map((i) => [i.name, constantTensor(i)]));
}

/** IEEE half-precision bits of 0.1 (float16 data is carried as raw 16-bit patterns). */
const HALF_0_1 = 0x2e66;

function constantTensor(i: FeedInput): Tensor {
  const n = i.shape.reduce((a, b) => a * b, 1);
  const dims = [...i.shape];
  switch (i.dtype) {
    case 'float32': return { dtype: 'float32', dims, data: new Float32Array(n).fill(0.1) };
    case 'float64': return { dtype: 'float64', dims, data: new Float64Array(n).fill(0.1) };
    case 'float16': return { dtype: 'float16', dims, data: new Uint16Array(n).fill(HALF_0_1) };
    case 'int64': return { dtype: 'int64', dims, data: new BigInt64Array(n).fill(1n) };
    case 'int32': return { dtype: 'int32', dims, data: new Int32Array(n).fill(1) };
    case 'int8': return { dtype: 'int8', dims, data: new Int8Array(n).fill(1) };
    case 'uint8': return { dtype: 'uint8', dims, data: new Uint8Array(n).fill(1) };
    case 'bool': return { dtype: 'bool', dims, data: new Uint8Array(n).fill(1) };
  }
}

/**
 * Batch shapes read off a dataset's first sample, `[batchSize, ...sample dims]` per graph input: for a
 * stage whose pipeline says nothing of the feed (a hand-written pipeline without an `input` port).
 */
export async function shapesFromData(graph: readonly GraphInput[], spec: unknown, batchSize: number): Promise<Record<string, number[]>> {
  const opts = { batchSize: 1, limit: 1, ...(graph.length === 1 ? { inputName: graph[0].name } : {}) };
  try {
    for await (const b of iterateBatches(spec, opts)) {
      return Object.fromEntries(graph.filter((g) => b.inputs[g.name]).map((g) => [g.name, [batchSize, ...b.inputs[g.name].dims.slice(1)]]));
    }
  } catch (e) {
    // Data that reads only for a feed (a folder of per-input .npy): no shapes here; binding then names what to give.
    if (!(e instanceof SlimflowError)) throw e;
  }
  return {};
}
