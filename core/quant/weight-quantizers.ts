import { SlimflowError } from '../errors';

/**
 * A weight quantizer, by ACT's `weight_quantize_type` name. Both are symmetric int8 abs-max
 * quantizers; they differ in how many scales a weight gets, which the plan turns into a Q/DQ axis.
 */
export interface WeightQuantizer {
  readonly name: string;
  /** One scale per output channel (true) or one per tensor (false). */
  readonly perChannel: boolean;
}

/** The weight_quantize_type names (the config's QuantPost, HyperParameterOptimization and QuantAware keys take these). */
export const WEIGHT_QUANTIZE_TYPES = ['channel_wise_abs_max', 'abs_max'] as const;
export type WeightQuantizeType = (typeof WEIGHT_QUANTIZE_TYPES)[number];

const PER_CHANNEL: Record<WeightQuantizeType, boolean> = { channel_wise_abs_max: true, abs_max: false };

const REGISTRY: ReadonlyMap<string, WeightQuantizer> = new Map(WEIGHT_QUANTIZE_TYPES.map((name) => [name, { name, perChannel: PER_CHANNEL[name] }]));

/** Names of the registered weight quantizers. */
export const weightQuantizerNames = (): string[] => [...REGISTRY.keys()];

/** A weight quantizer by name; an unknown name is an input error that lists the known ones. */
export function getWeightQuantizer(name: string): WeightQuantizer {
  const q = REGISTRY.get(name);
  if (!q) throw new SlimflowError('INVALID_CONFIG', `unknown weight quantizer "${name}"; known weight quantizers: ${weightQuantizerNames().join(', ')}`, 'weightQuantizer');
  return q;
}
