import { SlimflowError } from '../../errors';
import { DISTILL_LOSSES, DISTILL_LOSS_NAMES } from './catalog';
import { l2Loss } from './l2';
import { DistillLoss } from './loss';
import { sigmoidL2Loss } from './sigmoid-l2';
import { softLabelLoss } from './soft-label';

const REGISTRY = new Map<string, DistillLoss<never>>([l2Loss, softLabelLoss, sigmoidL2Loss].map((l) => [l.name, l as DistillLoss<never>]));

// The declarations (./catalog.ts) and the implementations name the same losses, or nothing loads.
if (DISTILL_LOSSES.map((l) => l.name).join() !== [...REGISTRY.keys()].join() || DISTILL_LOSS_NAMES.join() !== [...REGISTRY.keys()].join()) {
  throw new Error('distillation losses declared (catalog.ts) and implemented differ');
}

/** A distillation loss by its config name. */
export function getDistillLoss(name: string): DistillLoss<unknown> {
  const l = REGISTRY.get(name);
  if (!l) throw new SlimflowError('INVALID_CONFIG', `unknown distillation loss "${name}"; known: ${[...REGISTRY.keys()].join(', ')}`, 'loss');
  return l as DistillLoss<unknown>;
}

export type { DistillLoss } from './loss';
