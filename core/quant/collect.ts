import { SlimflowError } from '../errors';
import { cloneModel } from '../onnx/clone';
import { attr, makeNode, NameGenerator } from '../onnx/graph';
import { encodeModel } from '../onnx/model-io';
import { DataType, Model } from '../onnx/proto';
import { ModelSession } from '../runtime/session';
import { Tensor } from '../tensor';
import { BatchSummary, getCalibrator } from './calibrators';
import { blockedTap } from './blocked-tap';
import { addSampleOutputs, sampleStride, shapeDims, strideFeed } from './histogram-sample';
import { RangeRecord } from './ranges';

export interface CollectOptions {
  calibrator: string;
  calibratorParams?: unknown;
  threads?: number;
  /** Use at most this many batches (ACT's batch_num); the rest of the iterable is not read. */
  batchNum?: number;
  /** Extra statistics gathered in the same pass (bias correction, AdaRound), fed every batch. */
  observers?: ActivationObserver[];
}

/** Something that folds per-batch activation tensors into its own bounded statistics. */
export interface ActivationObserver {
  readonly tensors: string[];
  observe(tensorName: string, value: Tensor): void | Promise<void>;
}

/** Let timers, heartbeats and I/O run between tensors: histogram loops over big tensors take milliseconds each. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A copy of the model whose graph also outputs the given intermediate tensors (a calibration tap). */
export function withExtraOutputs(model: Model, tensorNames: string[]): Model {
  const tap = cloneModel(model);
  const existing = new Set(tap.graph.output.map((o) => o.name));
  // A bare name is enough: onnxruntime infers the type of an output it can trace to a node.
  for (const name of tensorNames) if (!existing.has(name)) tap.graph.output.push({ name });
  return tap;
}

/** Output names of the summary of one tensor, computed inside onnxruntime by withSummaryOutputs. */
export interface SummaryOutputs { min: string; max: string; sum: string; size: string }

/**
 * A calibration tap that reduces each given tensor inside onnxruntime to its min, max, sum and size
 * (scalars), and outputs in full only the `full` tensors. Native reductions over a tensor still in
 * cache cost a fraction of copying it out and scanning it in JavaScript, and a calibrator that needs
 * only extremes then never copies an activation out at all.
 */
export function withSummaryOutputs(model: Model, tensorNames: string[], full: string[]): { model: Model; summaries: Map<string, SummaryOutputs> } {
  const tap = withExtraOutputs(model, full);
  const names = new NameGenerator(tap.graph);
  const summaries = new Map<string, SummaryOutputs>();
  const keep = [attr.int('keepdims', 0)];
  for (const t of tensorNames) {
    const s: SummaryOutputs = { min: names.next(`${t}.calib_min`), max: names.next(`${t}.calib_max`), sum: names.next(`${t}.calib_sum`), size: names.next(`${t}.calib_size`) };
    // No axes: every reduction runs over the whole tensor, whatever its rank (the same in every opset).
    tap.graph.node.push(
      makeNode('ReduceMin', [t], [s.min], names.next(`${t}.calib_reduce_min`), keep),
      makeNode('ReduceMax', [t], [s.max], names.next(`${t}.calib_reduce_max`), keep),
      makeNode('ReduceSum', [t], [s.sum], names.next(`${t}.calib_reduce_sum`), keep),
      makeNode('Size', [t], [s.size], names.next(`${t}.calib_size_node`)),
    );
    tap.graph.output.push({ name: s.min }, { name: s.max }, { name: s.sum }, { name: s.size });
    summaries.set(t, s);
  }
  return { model: tap, summaries };
}

/**
 * A batch's summary from the reductions, or undefined for a non-float tensor (not calibrated).
 * NaN anywhere makes the sum NaN, and an infinity shows in the min or max, so this rejects exactly
 * what a scan of every value would (a finite sum that overflows to ±Inf is not an error).
 */
function readSummary(out: Record<string, Tensor>, s: SummaryOutputs, tensorName: string): BatchSummary | undefined {
  return out[s.min]?.dtype === 'float32' ? checkedSummary(out, s, Number(out[s.size].data[0]), tensorName) : undefined;
}

/** The summary from reduction outputs `min`, `max`, `sum` and a count, rejecting NaN/Inf (see readSummary). */
function checkedSummary(out: Record<string, Tensor>, s: { min: string; max: string; sum: string }, count: number, tensorName: string): BatchSummary {
  const min = out[s.min].data[0] as number;
  const max = out[s.max].data[0] as number;
  const sum = out[s.sum].data[0] as number;
  if (count === 0) return { min: 0, max: 0, count };
  if (Number.isNaN(sum) || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new SlimflowError('INVALID_DATA', 'calibration activation contains NaN or Inf; check the input data and preprocessing', tensorName);
  }
  return { min, max, count };
}

/** Largest stride: the shape probe keeps one row of each tensor and discards it. */
const PROBE_STRIDE = 2 ** 31 - 1;

/**
 * Stream calibration batches through the model once each and return the calibrator's ranges. Extremes,
 * counts and the NaN/Inf check are reduced inside the same onnxruntime pass; a calibrator that reads
 * values gets them whole or, when it samples, every step-th row of each tensor. Only statistics are kept
 * between batches. The tap reads the tensors in onnxruntime's blocked layout where it can (see blockedTap).
 */
export async function collectRanges(model: Model, tensorNames: string[], batches: AsyncIterable<Record<string, Tensor>>, opts: CollectOptions): Promise<RangeRecord> {
  const calibrator = getCalibrator(opts.calibrator);
  const parsed = calibrator.paramsSchema.safeParse(opts.calibratorParams ?? {});
  if (!parsed.success) throw new SlimflowError('INVALID_CONFIG', `bad parameters for calibrator ${calibrator.name}: ${parsed.error.message}`, 'calibratorParams');
  const params = parsed.data;
  const stats = calibrator.initStatistics(tensorNames, params);
  const observers = opts.observers ?? [];
  const reads = calibrator.reads === 'values';
  // Sampling is for the calibrator's reads only: observers (bias correction, AdaRound) get their tensors whole.
  const maxSamples = reads ? calibrator.maxSamples?.(params) ?? 0 : 0;
  const sampled = maxSamples > 0;
  const full = [...new Set([...(reads && !sampled ? tensorNames : []), ...observers.flatMap((o) => o.tensors)])];
  // A sampled tap reads only some values, so the inputs are summarized for an exact NaN/Inf check of the data.
  const inputs = model.graph.input.filter((i) => i.type?.tensorType?.elemType === DataType.FLOAT).map((i) => i.name);
  const { model: tap, summaries } = withSummaryOutputs(model, sampled ? inputs : tensorNames, full);
  const samples = addSampleOutputs(tap, sampled ? tensorNames : []);
  const fetched = [...full, ...[...samples.values()].flatMap((s) => [s.output, s.shape, s.min, s.max, s.sum]), ...[...summaries.values()].flatMap((s) => [s.min, s.max, s.sum, s.size])];
  const session = await tapSession(tap, opts.threads ?? 1);
  const strides = new Map([...samples.keys()].map((t) => [t, PROBE_STRIDE]));
  const stepFeeds = () => Object.fromEntries([...samples].map(([t, s]) => [s.step, strideFeed(strides.get(t)!)]));
  const limit = opts.batchNum ?? Infinity;
  let seen = 0;
  try {
    for await (const feeds of batches) {
      // Strides need each tensor's shape: a first run on one image learns them (its samples are not used).
      if (seen === 0 && sampled) await probeStrides(feeds);
      const out = await session.run({ ...feeds, ...stepFeeds() }, fetched);
      for (const name of tensorNames) {
        const sample = samples.get(name);
        if (sample) {
          if (out[sample.output]?.dtype !== 'float32') continue;
          // Min and max are the whole tensor's; the sum is the sample's (NaN in the data is caught at the inputs).
          const summary = checkedSummary(out, sample, shapeDims(out[sample.shape]).reduce((a, b) => a * b, 1), name);
          calibrator.observe(stats, name, { summary, values: out[sample.output].data as Float32Array }, params);
          continue;
        }
        const summary = readSummary(out, summaries.get(name)!, name);
        if (!summary) continue;
        if (reads) {
          calibrator.observe(stats, name, { summary, values: out[name].data as Float32Array }, params);
          await yieldToEventLoop();
        } else {
          calibrator.observe(stats, name, { summary }, params);
        }
      }
      if (sampled) {
        for (const i of inputs) readSummary(out, summaries.get(i)!, i);
        setStrides(out);
        await yieldToEventLoop();
      }
      for (const o of observers) for (const name of o.tensors) if (out[name]?.dtype === 'float32') await o.observe(name, out[name]);
      // Stop before asking for another batch: a data source may be expensive to advance.
      if (++seen >= limit) break;
    }
  } finally {
    await session.release();
  }
  if (seen === 0) throw new SlimflowError('INVALID_DATA', 'calibration data is empty', 'calibBatches');
  return calibrator.computeRanges(stats, params);

  /** Strides for the first batch from a run on its first image; on the whole batch if the model takes no single image. */
  async function probeStrides(feeds: Record<string, Tensor>) {
    let probe: Record<string, Tensor>;
    try {
      probe = await session.run({ ...firstImage(feeds), ...stepFeeds() }, fetched);
    } catch {
      return setStrides(await session.run({ ...feeds, ...stepFeeds() }, fetched));
    }
    setStrides(probe, batchSize(feeds));
  }

  /**
   * Next batch's row strides from this run's shapes, for a batch `scale` times as large (the one-image probe);
   * a batch of another size still gets a sample of about maxSamples.
   */
  function setStrides(out: Record<string, Tensor>, scale = 1) {
    for (const [t, s] of samples) {
      const dims = shapeDims(out[s.shape]);
      const rowLength = dims.length ? dims[dims.length - 1] : 1;
      const rows = rowLength > 0 ? (scale * dims.reduce((a, b) => a * b, 1)) / rowLength : 0;
      strides.set(t, rows > 0 ? sampleStride(rows, rowLength, maxSamples) : 1);
    }
  }
}

/** The tap's session: onnxruntime's own optimized graph with the tap reading blocked tensors, else the plain tap. */
async function tapSession(tap: Model, threads: number): Promise<ModelSession> {
  const layoutFree = new Set(tap.graph.node.filter((n) => (n.name ?? '').includes('.calib_')).map((n) => n.name ?? ''));
  try {
    const { bytes } = await blockedTap(tap, layoutFree, threads);
    return await ModelSession.create(bytes, { threads, graphOptimization: 'disabled' }, 'calibration model');
  } catch {
    // The rewrite is a speed-up only; any model onnxruntime can run plainly still calibrates.
    return ModelSession.create(encodeModel(tap), { threads }, 'calibration model');
  }
}

/** Items in a batch: the leading dim of its inputs. */
const batchSize = (feeds: Record<string, Tensor>): number => Math.max(1, ...Object.values(feeds).map((t) => t.dims[0] ?? 1));

/** The first image of a batch (every input cut to its first item along axis 0). */
function firstImage(feeds: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(feeds).map(([k, t]) => {
    if (t.dims.length === 0 || t.dims[0] <= 1) return [k, t];
    const per = t.data.length / t.dims[0];
    return [k, { dtype: t.dtype, dims: [1, ...t.dims.slice(1)], data: t.data.slice(0, per) } as Tensor];
  }));
}
