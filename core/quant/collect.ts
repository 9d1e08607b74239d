import { SlimflowError } from '../errors';
import { cloneModel } from '../onnx/clone';
import { encodeModel } from '../onnx/model-io';
import { Model } from '../onnx/proto';
import { ModelSession } from '../runtime/session';
import { Tensor } from '../tensor';
import { getCalibrator } from './calibrators';
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

/**
 * Stream calibration batches through the model once each, fetching every wanted tensor in the same
 * onnxruntime pass, and return the calibrator's ranges. Only statistics are kept between batches.
 */
export async function collectRanges(model: Model, tensorNames: string[], batches: AsyncIterable<Record<string, Tensor>>, opts: CollectOptions): Promise<RangeRecord> {
  const calibrator = getCalibrator(opts.calibrator);
  const parsed = calibrator.paramsSchema.safeParse(opts.calibratorParams ?? {});
  if (!parsed.success) throw new SlimflowError('INVALID_CONFIG', `bad parameters for calibrator ${calibrator.name}: ${parsed.error.message}`, 'calibratorParams');
  const params = parsed.data;
  const stats = calibrator.initStatistics(tensorNames, params);
  const observers = opts.observers ?? [];
  const fetched = [...new Set([...tensorNames, ...observers.flatMap((o) => o.tensors)])];
  const session = await ModelSession.create(encodeModel(withExtraOutputs(model, fetched)), { threads: opts.threads ?? 1 }, 'calibration model');
  const limit = opts.batchNum ?? Infinity;
  let seen = 0;
  try {
    for await (const feeds of batches) {
      const out = await session.run(feeds, fetched);
      for (const name of tensorNames) {
        const t = out[name];
        if (t?.dtype === 'float32') calibrator.observe(stats, name, t.data as Float32Array, params);
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
}
