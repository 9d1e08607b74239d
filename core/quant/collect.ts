import { SlimflowError } from '../errors';
import { cloneModel } from '../onnx/clone';
import { attr, makeNode, NameGenerator } from '../onnx/graph';
import { encodeModel } from '../onnx/model-io';
import { Model } from '../onnx/proto';
import { ModelSession } from '../runtime/session';
import { Tensor } from '../tensor';
import { BatchSummary, getCalibrator } from './calibrators';
import { addSampleOutputs, sampleStride, strideFeed } from './histogram-sample';
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
  if (out[s.min]?.dtype !== 'float32') return undefined;
  const min = out[s.min].data[0] as number;
  const max = out[s.max].data[0] as number;
  const sum = out[s.sum].data[0] as number;
  const count = Number(out[s.size].data[0]);
  if (count === 0) return { min: 0, max: 0, count };
  if (Number.isNaN(sum) || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new SlimflowError('INVALID_DATA', 'calibration activation contains NaN or Inf; check the input data and preprocessing', tensorName);
  }
  return { min, max, count };
}

/**
 * Stream calibration batches through the model once each, summarizing every wanted tensor inside the
 * same onnxruntime pass, and return the calibrator's ranges. Only statistics are kept between batches.
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
  const full = [...new Set([...(reads && maxSamples === 0 ? tensorNames : []), ...observers.flatMap((o) => o.tensors)])];
  const { model: tap, summaries } = withSummaryOutputs(model, tensorNames, full);
  const samples = addSampleOutputs(tap, maxSamples > 0 ? tensorNames : []);
  // The first batch is read whole (the sizes are not known yet); its summaries set each tensor's stride.
  const strides = new Map([...samples.keys()].map((t) => [t, 1]));
  const fetched = [...full, ...[...samples.values()].map((s) => s.output), ...[...summaries.values()].flatMap((s) => [s.min, s.max, s.sum, s.size])];
  const session = await ModelSession.create(encodeModel(tap), { threads: opts.threads ?? 1 }, 'calibration model');
  const limit = opts.batchNum ?? Infinity;
  let seen = 0;
  try {
    for await (const feeds of batches) {
      const stepFeeds = Object.fromEntries([...samples].map(([t, s]) => [s.step, strideFeed(strides.get(t)!)]));
      const out = await session.run({ ...feeds, ...stepFeeds }, fetched);
      for (const name of tensorNames) {
        const summary = readSummary(out, summaries.get(name)!, name);
        if (!summary) continue;
        if (reads) {
          const sample = samples.get(name);
          const values = out[sample ? sample.output : name].data as Float32Array;
          calibrator.observe(stats, name, { summary, values }, params);
          if (sample) strides.set(name, sampleStride(summary.count, maxSamples));
          await yieldToEventLoop();
        } else {
          calibrator.observe(stats, name, { summary }, params);
        }
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
}
