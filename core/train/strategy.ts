import { SlimflowError } from '../errors';
import { Model } from '../onnx/proto';
import { Tensor } from '../tensor';
import { TrainConfig } from './config';
import { SampleSet } from './epoch';
import { Trainer } from './trainer';

/** What a compression strategy adds to distillation once the trainer exists: state, schedule, export. */
export interface StudentStrategy {
  /** State to checkpoint (masks, activation ranges). */
  extraState(): Record<string, Float32Array>;
  /** Put checkpointed state back. */
  loadExtra(extra: Record<string, Float32Array>): void;
  /** Called after each step with the global step count (gradual schedules). */
  onStep?(globalStep: number): void;
  /** The deployable student. */
  exportModel(): Promise<Model>;
  /** Choices the strategy made itself (QAT: the calibrator 'auto' picked), for reports. */
  describe?(): Record<string, unknown>;
}

/** First phase: a strategy may rewrite the (prepared) student before its training graph is built. */
export interface StrategyPlan {
  student: Model;
  /** Extra inputs fed every step (activation quantizer scales). */
  extraFeeds?: () => Record<string, Tensor>;
  /** Forward tensors the trainer should return each step (for range tracking). */
  keepOutputs?: string[];
  attach(trainer: Trainer): Promise<StudentStrategy>;
}

export interface StrategyContext { totalSteps: number; set: SampleSet; config: TrainConfig }

/** Builds a strategy; registered by name. */
export type StrategyFactory = (student: Model, ctx: StrategyContext) => Promise<StrategyPlan>;

/** Plain distillation: no transforms, exports the float student. */
export const distillOnly: StrategyFactory = async (student) => ({
  student,
  attach: async (trainer) => ({
    extraState: () => ({}),
    loadExtra: () => undefined,
    exportModel: async () => trainer.exportModel(),
  }),
});

const REGISTRY = new Map<string, StrategyFactory>([['distill', distillOnly]]);

/** Names of the registered strategies (core/train/strategies/index.ts checks them against the declarations). */
export const registeredStrategies = (): string[] => [...REGISTRY.keys()];

/** Register a strategy (called once by each strategy module). */
export const registerStrategy = (name: string, f: StrategyFactory): void => { REGISTRY.set(name, f); };

/** The strategy named in a training config. */
export function strategyFactory(name: string): StrategyFactory {
  const f = REGISTRY.get(name);
  if (!f) throw new SlimflowError('NOT_SUPPORTED', `training strategy "${name}" is not supported yet; supported: ${[...REGISTRY.keys()].join(', ')}`, 'train.strategy.kind');
  return f;
}
