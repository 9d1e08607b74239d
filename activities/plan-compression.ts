// The automatic mode's plan as an activity: the strategy rule (core/search/strategy.ts) runs on a
// worker and its result, a pipeline document with the strategy, the skipped strategies and the
// estimates, lands in the history as data. The workflow only hands that document to the
// interpreter, so a change to the rule changes new jobs without a patch and never a recorded one.
import type { JobConfig } from '../core/config/schema';
import type { GraphAnalysis } from '../core/onnx/analysis';
import { AutoPlan, planAutoCompress, SensitiveLayer, StrategyLatency } from '../core/search/strategy';
import { asActivity } from './failures';

export interface PlanCompressionInput {
  config: JobConfig;
  analysis: GraphAnalysis;
  latency?: StrategyLatency;
  sensitivity?: SensitiveLayer[];
}

/** The plan with every rule of today's code (what a new job runs, and what `slimflow plan` prints). */
export const planCompression = (input: PlanCompressionInput): AutoPlan =>
  planAutoCompress(input.config, input.analysis, input.latency, input.sensitivity, { trainedContest: true, gridSearch: true, dynamicCandidate: true, actMatMulSearch: true });

export function createPlanActivities() {
  return {
    /** The pipeline autoCompress runs for this model and config, and why. */
    async planCompression(input: PlanCompressionInput): Promise<AutoPlan> {
      return asActivity(() => planCompression(input));
    },
  };
}
