import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';
import { Label, Sample, SampleSource } from './sample';
import { DatasetSpec, DatasetSpecInput, parseDatasetSpec } from './spec';
import { imagesSource } from './sources/images';
import { npySource } from './sources/npy-files';
import { renderedSource } from './sources/rendered';

/** One model-ready batch: the input tensor under its name, labels when the dataset has them, sample ids. */
export interface Batch {
  inputs: Record<string, Tensor>;
  /** One per sample, in order: class indices, strings or box lists depending on the dataset. */
  labels?: Label[];
  ids: string[];
}

export interface BatchOptions {
  batchSize: number;
  /** Stop after this many samples in total. */
  limit?: number;
  /** Model input name; PaddleOCR models call it "x". */
  inputName?: string;
}

/** Open a dataset (spec validated here, so raw JSON from a payload is fine). */
export function openDataset(spec: DatasetSpec | DatasetSpecInput | unknown): SampleSource {
  const s = parseDatasetSpec(spec);
  switch (s.kind) {
    case 'rendered-textlines': return renderedSource(s);
    case 'images': return imagesSource(s);
    case 'npy': return npySource(s);
  }
}

/** How many samples the dataset holds (after `limit`, when given). */
export async function countSamples(spec: DatasetSpec | DatasetSpecInput | unknown, limit?: number): Promise<number> {
  const n = await openDataset(spec).count();
  return limit === undefined ? n : Math.min(n, limit);
}

/** Stream a dataset as N×C×H×W float32 batches; the last batch may be smaller. */
export async function* iterateBatches(spec: DatasetSpec | DatasetSpecInput | unknown, opts: BatchOptions): AsyncGenerator<Batch> {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
    throw new SlimflowError('INVALID_CONFIG', `batchSize must be a positive integer, got ${opts.batchSize}`, 'batchSize');
  }
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0)) {
    throw new SlimflowError('INVALID_CONFIG', `limit must be a non-negative integer, got ${opts.limit}`, 'limit');
  }
  const source = openDataset(spec);
  const name = opts.inputName ?? 'x';
  let pending: Sample[] = [];
  for await (const sample of source.samples(opts.limit)) {
    pending.push(sample);
    if (pending.length === opts.batchSize) {
      yield stack(pending, name, source);
      pending = [];
      // Decoding and rendering are synchronous; give timers and heartbeats a turn between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (pending.length > 0) yield stack(pending, name, source);
}

/** Stack equally shaped samples into one tensor; mixed shapes cannot share a batch. */
function stack(samples: Sample[], inputName: string, source: SampleSource): Batch {
  const dims = samples[0].dims;
  const size = samples[0].data.length;
  const data = new Float32Array(size * samples.length);
  samples.forEach((s, i) => {
    if (s.dims.length !== dims.length || s.dims.some((d, k) => d !== dims[k])) {
      throw new SlimflowError('INVALID_DATA', `sample has shape [${s.dims.join(', ')}] but its batch started with [${dims.join(', ')}] (${samples[0].id}); use batchSize 1 or equal shapes`, `${source.where}/${s.id}`);
    }
    data.set(s.data, i * size);
  });
  const batch: Batch = {
    inputs: { [inputName]: { dtype: 'float32', dims: [samples.length, ...dims], data } },
    ids: samples.map((s) => s.id),
  };
  if (source.labeled) batch.labels = samples.map((s) => s.label!);
  return batch;
}
