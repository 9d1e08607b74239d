import { ActivityDeps } from './deps';
import { createFleetActivities } from './fleet-activities';
import { keptAlive } from './heartbeat';
import { createJobActivities } from './job-activities';
import { createModelActivities } from './model-activities';
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
    ...keptAlive(createFleetActivities()),
  };
}

export type SlimflowActivities = ReturnType<typeof createActivities>;
