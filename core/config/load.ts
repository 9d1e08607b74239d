import * as fs from 'node:fs';
import * as yaml from 'js-yaml';
import { SlimflowError } from '../errors';
import { formatZodIssues } from './zod-errors';
import { JobConfig, jobConfigSchema } from './schema';

/** Validate a parsed config object; every problem is listed with its key path. */
export function parseJobConfig(raw: unknown, source = '<config>'): JobConfig {
  const res = jobConfigSchema.safeParse(raw);
  if (!res.success) {
    const lines = formatZodIssues(res.error.issues, jobConfigSchema, raw);
    throw new SlimflowError('INVALID_CONFIG', `invalid config:\n  ${lines.join('\n  ')}`, source);
  }
  return res.data;
}

/** Parse YAML text into a plain object, naming the line of a syntax error. */
export function parseYaml(text: string, source: string): unknown {
  try {
    return yaml.load(text, { filename: source });
  } catch (e) {
    const err = e as yaml.YAMLException;
    const where = err.mark ? `${source}:${err.mark.line + 1}:${err.mark.column + 1}` : source;
    throw new SlimflowError('INVALID_CONFIG', `YAML syntax error: ${err.reason ?? err.message}`, where);
  }
}

/** Read and validate a YAML config file. */
export function loadJobConfig(file: string): JobConfig {
  if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'config file does not exist', file);
  return parseJobConfig(parseYaml(fs.readFileSync(file, 'utf8'), file), file);
}
