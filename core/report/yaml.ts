// The reproduce block shows YAML, the form the user wrote the config in.
import * as yaml from 'js-yaml';

/** A config or pipeline as YAML text (keys in their given order; long lines not folded). */
export const toYaml = (value: unknown): string => yaml.dump(value, { lineWidth: -1, noRefs: true, sortKeys: false });
