import { SlimflowError } from '../../errors';
import { absMaxCalibrator } from './abs-max';
import { Calibrator } from './calibrator';

/** Every calibrator slimflow knows, by name. Adding one: a file in this folder and one line here. */
const REGISTRY: ReadonlyMap<string, Calibrator<any, any>> = new Map(
  [absMaxCalibrator].map((c) => [c.name, c as Calibrator<any, any>]),
);

/** Names of the registered calibrators. */
export const calibratorNames = (): string[] => [...REGISTRY.keys()];

/** A calibrator by name; an unknown name is an input error that lists the known ones. */
export function getCalibrator(name: string): Calibrator<any, any> {
  const c = REGISTRY.get(name);
  if (!c) throw new SlimflowError('INVALID_CONFIG', `unknown calibrator "${name}"; known calibrators: ${calibratorNames().join(', ')}`, 'calibrator');
  return c;
}

export type { Calibrator } from './calibrator';
