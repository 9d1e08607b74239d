import type { StageActivities } from '../workflows/stage-activities';
import { ActivityDeps } from './deps';
import { createFleetActivities } from './fleet-activities';
import { keptAlive } from './heartbeat';
import { createJobActivities } from './job-activities';
import { createModelActivities } from './model-activities';
import { createPlanActivities } from './plan-compression';
import { createPtqActivities } from './ptq-trial';
import { createSensitivityActivities } from './sensitivity';
import { createStrategyVariantActivities } from './strategy-variants';
import { createTrainActivities } from './train-epoch';
import { createValidationActivities } from './validate-candidate';

/** Every slimflow activity, bound to its dependencies. The worker registers exactly this. */
export function createActivities(deps: ActivityDeps) {
  return {
    // Every activity heartbeats on a timer too, re-sending its last details (see keptAlive).
    ...keptAlive(createModelActivities(deps)),
    ...keptAlive(createPtqActivities(deps)),
    ...keptAlive(createSensitivityActivities(deps)),
    ...keptAlive(createStrategyVariantActivities(deps)),
    ...keptAlive(createTrainActivities(deps)),
    ...keptAlive(createValidationActivities(deps)),
    ...keptAlive(createJobActivities(deps)),
    ...keptAlive(createPlanActivities()),
    ...keptAlive(createFleetActivities()),
  };
}

export type SlimflowActivities = ReturnType<typeof createActivities>;

// Compile-time check: the worker implements every catalog activity stage, taking and returning what
// its entry's schemas say (the interface is derived from core/pipeline/catalog.ts). A missing stage or
// a port the implementation lacks fails `tsc` here.
type Implements<A extends B, B> = A;
export type CheckedStageActivities = Implements<SlimflowActivities, StageActivities>;
