import { SlimflowError } from '../../errors';
import { scanFinite } from '../histogram';
import { absMaxCalibrator } from './abs-max';
import { avgCalibrator } from './avg';
import { CALIBRATOR_ALIASES, canonicalCalibrator } from './aliases';
import { Calibrator, CalibrationBatch } from './calibrator';
import { emdCalibrator } from './emd';
import { histCalibrator } from './hist';
import { klCalibrator } from './kl';
import { mseCalibrator } from './mse';

/** Every calibrator slimflow knows, by name. Adding one: a file in this folder and one line here. */
const REGISTRY: ReadonlyMap<string, Calibrator<any, any>> = new Map(
  [absMaxCalibrator, avgCalibrator, histCalibrator, mseCalibrator, klCalibrator, emdCalibrator].map((c) => [c.name, c as Calibrator<any, any>]),
);

/** Names of the registered calibrators. */
export const calibratorNames = (): string[] => [...REGISTRY.keys()];

/** The registered name a calibrator name means (onnxruntime's and INC's names too, see ./aliases), or undefined. */
export const resolveCalibratorName = (name: string): string | undefined => canonicalCalibrator(name, calibratorNames());

/** The line that lists what a calibrator name may be. */
export const knownCalibratorsText = (): string =>
  `known calibrators: ${calibratorNames().join(', ')} (also ${Object.entries(CALIBRATOR_ALIASES).map(([a, c]) => `${a} = ${c}`).join(', ')})`;

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
