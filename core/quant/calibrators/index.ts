import { SlimflowError } from '../../errors';
import { scanFinite } from '../histogram';
import { absMaxCalibrator } from './abs-max';
import { avgCalibrator } from './avg';
import { Calibrator, CalibrationBatch } from './calibrator';
import { calibratorNames, knownCalibratorsText, resolveCalibratorName } from './catalog';
import { emdCalibrator } from './emd';
import { histCalibrator } from './hist';
import { klCalibrator } from './kl';
import { mseCalibrator } from './mse';

/** Every calibrator's implementation, by name. Adding one: its declaration in ./catalog.ts, a file in this folder and one line here. */
const REGISTRY: ReadonlyMap<string, Calibrator<any, any>> = new Map(
  [absMaxCalibrator, avgCalibrator, histCalibrator, mseCalibrator, klCalibrator, emdCalibrator].map((c) => [c.name, c as Calibrator<any, any>]),
);

// The declarations and the implementations name the same calibrators, or nothing loads.
const undeclared = [...REGISTRY.keys()].filter((n) => !calibratorNames().includes(n));
const unbuilt = calibratorNames().filter((n) => !REGISTRY.has(n));
if (undeclared.length || unbuilt.length) throw new Error(`calibrators declared and implemented differ: undeclared ${undeclared.join(', ') || '-'}; unbuilt ${unbuilt.join(', ') || '-'}`);

export { calibratorNames, knownCalibratorsText, resolveCalibratorName };

/** A calibrator by name (or alias); an unknown name is an input error naming `key` and listing the known ones. */
export function getCalibrator(name: string, key = 'calibrator'): Calibrator<any, any> {
  const c = REGISTRY.get(resolveCalibratorName(name) ?? name);
  if (!c) throw new SlimflowError('INVALID_CONFIG', `unknown calibrator "${name}"; ${knownCalibratorsText()}`, key);
  return c;
}

/** A batch of host values as a calibrator takes it, scanned on the host (NaN/Inf rejected, naming the tensor). */
export function batchOfValues(values: Float32Array, tensorName: string): CalibrationBatch {
  const e = scanFinite(values, tensorName);
  return { summary: { min: e.min, max: e.max, count: values.length }, values };
}

export type { BatchSummary, CalibrationBatch, Calibrator } from './calibrator';
