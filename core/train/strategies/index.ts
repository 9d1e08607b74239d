// Importing this module registers every training strategy beyond plain distillation.
import './qat';
import './sparse';
import './channel-prune';
