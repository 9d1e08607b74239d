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
}

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
  const session = await ModelSession.create(encodeModel(withExtraOutputs(model, tensorNames)), { threads: opts.threads ?? 1 }, 'calibration model');
  let seen = 0;
  try {
    for await (const feeds of batches) {
      const out = await session.run(feeds, tensorNames);
      for (const name of tensorNames) {
        const t = out[name];
        if (t?.dtype === 'float32') calibrator.observe(stats, name, t.data as Float32Array, params);
      }
      seen++;
    }
  } finally {
    await session.release();
  }
  if (seen === 0) throw new SlimflowError('INVALID_DATA', 'calibration data is empty', 'calibBatches');
  return calibrator.computeRanges(stats, params);
}
