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
    // The short ones (SHORT_IO) heartbeat on a timer; the long ones beat with their own progress and details.
    ...keptAlive(createModelActivities(deps)),
    ...createPtqActivities(deps),
    ...createSensitivityActivities(deps),
    ...createStrategyVariantActivities(deps),
    ...createTrainActivities(deps),
    ...createValidationActivities(deps),
    ...keptAlive(createJobActivities(deps)),
    ...keptAlive(createFleetActivities()),
  };
}

export type SlimflowActivities = ReturnType<typeof createActivities>;
