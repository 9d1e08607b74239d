import { SlimflowError } from '../errors';
import { Model } from '../onnx/proto';
import { TrainConfig } from './config';
import { Trainer } from './trainer';

/** What a compression strategy adds to distillation: weight transforms, state to checkpoint, an export. */
export interface StudentStrategy {
  /** State to checkpoint (masks, activation ranges). */
  extraState(): Record<string, Float32Array>;
  /** Put checkpointed state back. */
  loadExtra(extra: Record<string, Float32Array>): void;
  /** Called at each step boundary with the global step (gradual schedules). */
  onStep?(globalStep: number): void;
  /** The deployable student. */
  exportModel(): Promise<Model>;
}

/** Builds a strategy on a trainer; registered by name in strategies/index.ts. */
export type StrategyFactory = (trainer: Trainer, config: TrainConfig, ctx: { totalSteps: number }) => Promise<StudentStrategy>;

/** Plain distillation: no transforms, exports the float student. */
export const distillOnly: StrategyFactory = async (trainer) => ({
  extraState: () => ({}),
  loadExtra: () => undefined,
  exportModel: async () => trainer.exportModel(),
});

const REGISTRY = new Map<string, StrategyFactory>([['distill', distillOnly]]);

/** Register a strategy (called once by each strategy module). */
export const registerStrategy = (name: string, f: StrategyFactory): void => { REGISTRY.set(name, f); };

/** The strategy named in a training config. */
export function strategyFactory(name: string): StrategyFactory {
  const f = REGISTRY.get(name);
  if (!f) throw new SlimflowError('NOT_SUPPORTED', `training strategy "${name}" is not supported yet; supported: ${[...REGISTRY.keys()].join(', ')}`, 'train.strategy.kind');
  return f;
}
