import { ActivityDeps } from './deps';
import { createFleetActivities } from './fleet-activities';
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
    ...createModelActivities(deps),
    ...createPtqActivities(deps),
    ...createSensitivityActivities(deps),
    ...createStrategyVariantActivities(deps),
    ...createTrainActivities(deps),
    ...createValidationActivities(deps),
    ...createJobActivities(deps),
    ...createFleetActivities(),
  };
}

export type SlimflowActivities = ReturnType<typeof createActivities>;
