import { SlimflowError } from '../../errors';
import { l2Loss } from './l2';
import { DistillLoss } from './loss';
import { sigmoidL2Loss } from './sigmoid-l2';
import { softLabelLoss } from './soft-label';

const REGISTRY = new Map<string, DistillLoss<never>>([l2Loss, softLabelLoss, sigmoidL2Loss].map((l) => [l.name, l as DistillLoss<never>]));

/** A distillation loss by its config name. */
export function getDistillLoss(name: string): DistillLoss<unknown> {
  const l = REGISTRY.get(name);
  if (!l) throw new SlimflowError('INVALID_CONFIG', `unknown distillation loss "${name}"; known: ${[...REGISTRY.keys()].join(', ')}`, 'loss');
  return l as DistillLoss<unknown>;
}

export type { DistillLoss } from './loss';
