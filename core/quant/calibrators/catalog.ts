// Every calibrator's name, family and parameters, declared once. The implementations (./abs-max.ts,
// ./hist.ts…) take their params schema from here, the config schema its calibrator names, the search
// its calibrator families and the hist_percent / symmetry dimensions (core/components/ptq-params.ts).
// Import-free but for zod: the workflows bundle the search space, which reads it.
import { z } from 'zod';
import { Component, componentSchema, param, paramOf } from '../../components/param';
import { CALIBRATOR_ALIASES, canonicalCalibrator } from './aliases';

/** Ranges symmetric around zero (each calibrator's range mirrored: ±max|x|, ±mean batch max, ±T), as some int8 backends want. */
const symmetric = param({ key: 'symmetric', schema: z.boolean(), default: false, search: [false, true], doc: 'activation ranges symmetric around zero instead of the data\'s own extremes' });

/** Parameters every histogram calibrator shares. */
const histogram = [
  param({ key: 'bins', schema: z.number().int().min(16).max(1 << 16).multipleOf(2), default: 2048, doc: 'bins on each side of zero (2·bins in all); memory per tensor is 16·bins bytes' }),
  symmetric,
  /*
   * Enough for 2048-bin tails, far fewer than rec's ~1.8M per tensor. Fewer clip rec's tails: at 16384
   * rec scored hist 90.8 / mse 93.3, at 4096 hist 0 (99.8 / 99.7 at this default; FP32 100).
   */
  param({ key: 'max_samples', schema: z.number().int().min(0), default: 2 ** 18, doc: 'values read per tensor per batch, every step-th row taken inside onnxruntime (0: all); extremes stay exact' }),
];

/**
 * How a calibrator sets a range: from the extremes, from a percentile of the histogram, or by
 * minimising an error or divergence against the float values. Calibrators of one family give
 * close ranges; the search tries one of each family before a second of any (core/search/coverage).
 */
export type CalibratorFamily = 'extremes' | 'percentile' | 'divergence' | 'error';

export interface CalibratorDecl extends Component {
  readonly family: CalibratorFamily;
}

/** Every calibrator slimflow has, in the order a search tries them. Adding one: an entry here and its implementation in this folder. */
export const CALIBRATORS: readonly CalibratorDecl[] = [
  { name: 'abs_max', family: 'extremes', params: [symmetric] },
  { name: 'avg', family: 'extremes', params: [symmetric] },
  {
    name: 'hist', family: 'percentile', params: [...histogram,
      param({ key: 'hist_percent', schema: z.number().gt(0.5).max(1), default: 0.99999, doc: 'share of |x| values kept inside the range (ACT\'s hist_percent)' })],
  },
  { name: 'KL', family: 'divergence', params: histogram },
  { name: 'mse', family: 'error', params: histogram },
  { name: 'emd', family: 'error', params: histogram },
];

/** Names of the declared calibrators. */
export const calibratorNames = (): string[] => CALIBRATORS.map((c) => c.name);

/** A declared calibrator by its registered name (a programming error when unknown). */
export function calibratorDecl(name: string): CalibratorDecl {
  const c = CALIBRATORS.find((d) => d.name === name);
  if (!c) throw new Error(`no calibrator ${name} is declared`);
  return c;
}

/** The strict params schema of a calibrator, from its declaration. */
export const calibratorParamsSchema = (name: string): z.ZodObject => componentSchema(calibratorDecl(name));

/** A calibrator's declared parameter (e.g. hist's hist_percent). */
export const calibratorParam = (name: string, key: string) => paramOf(calibratorDecl(name), key);

/** The registered name a calibrator name means (an alias or a case variant, see ./aliases), or undefined. */
export const resolveCalibratorName = (name: string): string | undefined => canonicalCalibrator(name, calibratorNames());

/** The line that lists what a calibrator name may be. */
export const knownCalibratorsText = (): string =>
  `known calibrators: ${calibratorNames().join(', ')} (also ${Object.entries(CALIBRATOR_ALIASES).map(([a, c]) => `${a} = ${c}`).join(', ')})`;
