import * as fs from 'node:fs';
import * as yaml from 'js-yaml';
import { SlimflowError } from '../errors';
import { formatZodIssues } from './zod-errors';
import { JobConfig, jobConfigSchema, UNSUPPORTED_KEYS } from './schema';

/** The keys of UNSUPPORTED_KEYS a raw config sets, as error lines, and the config without them. */
function unsupportedKeys(raw: unknown): { lines: string[]; rest: unknown } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { lines: [], rest: raw };
  const rest: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const lines: string[] = [];
  for (const [key, instead] of Object.entries(UNSUPPORTED_KEYS)) {
    const [section, name] = key.split('.');
    const s = rest[section];
    if (typeof s !== 'object' || s === null || !(name in s)) continue;
    lines.push(`${key}: is not supported; remove it (${instead})`);
    const { [name]: _dropped, ...others } = s as Record<string, unknown>;
    rest[section] = others;
  }
  return { lines, rest };
}

/** Validate a parsed config object; every problem is listed with its key path (one problem: one line). */
export function parseJobConfig(raw: unknown, source = '<config>'): JobConfig {
  const { lines: unsupported, rest } = unsupportedKeys(raw);
  const res = jobConfigSchema.safeParse(rest);
  const lines = [...unsupported, ...(res.success ? [] : formatZodIssues(res.error.issues, jobConfigSchema, rest))];
  if (lines.length === 1) throw new SlimflowError('INVALID_CONFIG', `invalid config: ${lines[0]}`, source);
  if (lines.length > 0) throw new SlimflowError('INVALID_CONFIG', `invalid config:\n  ${lines.join('\n  ')}`, source);
  return res.data!;
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
