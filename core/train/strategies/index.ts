// Importing this module registers every training strategy beyond plain distillation.
import './qat';
import './sparse';
import './channel-prune';

import { registeredStrategies } from '../strategy';
import { TRAIN_STRATEGY_NAMES } from './catalog';

// The declarations (./catalog.ts) and the registered implementations name the same strategies, or nothing loads.
if ([...registeredStrategies()].sort().join() !== [...TRAIN_STRATEGY_NAMES].sort().join()) {
  throw new Error(`training strategies declared (${TRAIN_STRATEGY_NAMES.join(', ')}) and registered (${registeredStrategies().join(', ')}) differ`);
}
