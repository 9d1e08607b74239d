import { SlimflowError } from '../errors';
import { FeedInput, MAX_FEED_ELEMENTS } from '../feed';
import { Tensor, sizeOf } from '../tensor';
import { allocData, convertTensor } from './dtype';
import { Label, ONE_INPUT, Sample, SampleSource } from './sample';
import { DatasetSpec, DatasetSpecInput, parseDatasetSpec } from './spec';
import { imagesSource } from './sources/images';
import { npySource } from './sources/npy-files';
import { npzSource } from './sources/npz';
import { renderedSource } from './sources/rendered';
import { textSource } from './sources/text';

/** One model-ready batch: one tensor per input, labels when the dataset has them, sample ids. */
export interface Batch {
  inputs: Record<string, Tensor>;
  /** One per sample, in order: class indices, strings or box lists depending on the dataset. */
  labels?: Label[];
  ids: string[];
}

/** How a dataset is opened: for which feed, and under which config key it is named in errors. */
export interface DatasetOptions {
  /**
   * The model's inputs. With a feed, every batch holds one tensor per feed input, in its element
   * type, dims [n, ...shape.slice(1)]; named data (npz, per-input npy, text) is matched by name.
   */
  feed?: readonly FeedInput[];
  /** The config key that holds the dataset spec (e.g. "Global.calibration_data"), for errors. */
  key?: string;
}

export interface CountOptions extends DatasetOptions {
  /** Count at most this many. */
  limit?: number;
  /** Fewest samples the consumer needs: a dataset with fewer is INVALID_DATA naming `key`. */
  require?: number;
}

export interface BatchOptions extends CountOptions {
  batchSize: number;
  /** Without a feed: the one input's name for single-tensor data (default "x", PaddleOCR's name). */
  inputName?: string;
}

/** What iterating a dataset yielded (the generator's return value). */
export interface DataSummary {
  samples: number;
  where: string;
}

/** Open a dataset (spec validated here, so raw JSON from a payload is fine). */
export function openDataset(spec: DatasetSpec | DatasetSpecInput | unknown, opts: DatasetOptions = {}): SampleSource {
  const s = parseDatasetSpec(spec, opts.key);
  switch (s.kind) {
    case 'rendered-textlines': return renderedSource(s);
    case 'images': return imagesSource(s);
    case 'npy': return npySource(s, opts.feed);
    case 'npz': return npzSource(s, opts.feed);
    case 'text': return textSource(s, opts.feed, opts.key ?? 'dataset');
  }
}

/** How many samples the dataset yields (at most `limit`); fewer than `require` is an error. */
export async function countSamples(spec: DatasetSpec | DatasetSpecInput | unknown, opts: number | CountOptions = {}): Promise<number> {
  const o: CountOptions = typeof opts === 'number' ? { limit: opts } : opts;
  checkCounts(o);
  const source = openDataset(spec, o);
  const n = await source.count();
  if (o.require !== undefined) checkYield(source, n, o);
  return o.limit === undefined ? n : Math.min(n, o.limit);
}

/**
 * Stream a dataset as batches; the last batch may be smaller. With `require`, a dataset holding
 * fewer samples fails before the first batch, and the count actually yielded is checked at the end.
 */
export async function* iterateBatches(spec: DatasetSpec | DatasetSpecInput | unknown, opts: BatchOptions): AsyncGenerator<Batch, DataSummary> {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
    throw new SlimflowError('INVALID_CONFIG', `batchSize must be a positive integer, got ${opts.batchSize}`, 'batchSize');
  }
  checkCounts(opts);
  const source = openDataset(spec, opts);
  const bind = binder(source, opts);
  if (opts.require !== undefined) checkYield(source, await source.count(), opts);
  let pending: Sample[] = [];
  let yielded = 0;
  for await (const sample of source.samples(opts.limit)) {
    if (pending.length === 0) checkBatchElements(sample, Math.min(opts.batchSize, (opts.limit ?? Infinity) - yielded), source, opts.feed?.[0]?.name ?? opts.inputName ?? 'x');
    pending.push(sample);
    if (pending.length === opts.batchSize) {
      yield stack(pending, bind, source);
      yielded += pending.length;
      pending = [];
      // Decoding and rendering are synchronous; give timers and heartbeats a turn between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (pending.length > 0) {
    yield stack(pending, bind, source);
    yielded += pending.length;
  }
  if (opts.require !== undefined) checkYield(source, yielded, opts);
  return { samples: yielded, where: source.where };
}

function checkCounts(o: CountOptions): void {
  for (const k of ['limit', 'require'] as const) {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
      throw new SlimflowError('INVALID_CONFIG', `${k} must be a non-negative integer, got ${v}`, k);
    }
  }
}

/** Fewer samples than the config asks for is an error, never a silently smaller calibration or eval set. */
function checkYield(source: SampleSource, n: number, o: CountOptions): void {
  const need = o.require!;
  if (n < need) {
    throw new SlimflowError('INVALID_DATA', `the dataset (${source.where}) yielded ${n} sample${n === 1 ? '' : 's'}, the config asks for ${need}`, o.key ?? 'dataset');
  }
}

/** Memory per batch is bounded whatever the data: checked on a batch's first sample, before the rest are read. */
function checkBatchElements(first: Sample, n: number, source: SampleSource, oneName: string): void {
  for (const [name, t] of Object.entries(first.tensors)) {
    const elements = sizeOf(t.dims) * n;
    if (elements > MAX_FEED_ELEMENTS) {
      throw new SlimflowError('INVALID_DATA', `a batch of ${n} samples of input "${name === ONE_INPUT ? oneName : name}" ([${t.dims.join(', ')}] each) would hold ${elements} elements, more than the limit ${MAX_FEED_ELEMENTS}; use a smaller batch size or smaller samples`, `${source.where}/${first.id}`);
    }
  }
}

/** Turns one sample into the tensors of the inputs it feeds, in their element types and checked dims. */
type Binder = (s: Sample) => Record<string, Tensor>;

function binder(source: SampleSource, opts: BatchOptions): Binder {
  const feed = opts.feed;
  if (!feed) {
    const name = opts.inputName ?? 'x';
    return source.arity === 'one' ? (s) => ({ [name]: s.tensors[ONE_INPUT] }) : (s) => s.tensors;
  }
  if (feed.length === 0) throw new SlimflowError('INVALID_CONFIG', 'the feed has no inputs', opts.key ?? 'feed');
  if (source.arity === 'one' && feed.length !== 1) {
    throw new SlimflowError(
      'INVALID_DATA',
      `the dataset (${source.where}) holds one tensor per sample, which fills one input; the model also takes ${feed.slice(1).map((f) => `"${f.name}"`).join(', ')}, which it cannot fill (use npz, per-input npy or text data)`,
      opts.key ?? 'dataset',
    );
  }
  const fit = (t: Tensor | undefined, f: FeedInput, s: Sample): Tensor => {
    const where = `${source.where}/${s.id}`;
    if (!t) {
      throw new SlimflowError('INVALID_DATA', `the dataset has no array for input "${f.name}" (it holds ${Object.keys(s.tensors).map((k) => `"${k}"`).join(', ')})`, where);
    }
    const want = f.shape.slice(1);
    if (t.dims.length !== want.length || t.dims.some((d, i) => d !== want[i])) {
      throw new SlimflowError('INVALID_DATA', `a sample of input "${f.name}" has shape [${t.dims.join(', ')}], the input's batch shape [${f.shape.join(', ')}] needs [${want.join(', ')}]`, where);
    }
    return convertTensor(t, f.dtype, f.name, where);
  };
  if (source.arity === 'one') return (s) => ({ [feed[0].name]: fit(s.tensors[ONE_INPUT], feed[0], s) });
  return (s) => Object.fromEntries(feed.map((f) => [f.name, fit(s.tensors[f.name], f, s)]));
}

/** Stack equally shaped samples into one tensor per input; mixed shapes cannot share a batch. */
function stack(samples: Sample[], bind: Binder, source: SampleSource): Batch {
  const bound = samples.map(bind);
  const inputs: Record<string, Tensor> = {};
  for (const name of Object.keys(bound[0])) {
    const first = bound[0][name];
    const size = sizeOf(first.dims);
    const data = allocData(first.dtype, size * samples.length);
    bound.forEach((b, i) => {
      const t = b[name];
      if (!t || t.dtype !== first.dtype || t.dims.length !== first.dims.length || t.dims.some((d, k) => d !== first.dims[k])) {
        const what = t ? `${t.dtype} [${t.dims.join(', ')}]` : 'no such array';
        throw new SlimflowError('INVALID_DATA', `sample has ${what} for input "${name}" but its batch started with ${first.dtype} [${first.dims.join(', ')}] (${samples[0].id}); use batchSize 1 or equal shapes`, `${source.where}/${samples[i].id}`);
      }
      (data as { set(a: ArrayLike<number | bigint>, o: number): void }).set(t.data, i * size);
    });
    inputs[name] = { dtype: first.dtype, dims: [samples.length, ...first.dims], data } as Tensor;
  }
  const batch: Batch = { inputs, ids: samples.map((s) => s.id) };
  if (source.labeled) batch.labels = samples.map((s) => s.label!);
  return batch;
}
