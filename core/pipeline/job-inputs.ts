// A job's inputs, checked against the pipeline's declared inputs before the first step runs.
import { SlimflowError } from '../errors';
import { elementType, PortType } from './ports';
import type { CompiledPipeline } from './validate';
import { PipelineValidationError } from './validate';

const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);

// Shallow runtime shape checks: deep contents are the consuming activity's business.
function fits(v: unknown, t: PortType): boolean {
  const elem = elementType(t);
  if (elem) return Array.isArray(v) && v.every((x) => fits(x, elem));
  switch (t) {
    case 'model': return typeof v === 'string' || (isObject(v) && typeof (v as { uri?: unknown }).uri === 'string');
    case 'dataset': return isObject(v) || typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'json': return v !== undefined;
    default: return isObject(v);
  }
}

/** Apply defaults and check each job input against its declared type; throws listing every problem. */
export function resolveJobInputs(cp: CompiledPipeline, given: Record<string, unknown>): Record<string, unknown> {
  const errors: SlimflowError[] = [];
  const out: Record<string, unknown> = {};
  const decls = cp.pipeline.inputs;
  for (const name of Object.keys(given ?? {})) {
    if (!Object.hasOwn(decls, name)) errors.push(new SlimflowError('INVALID_PIPELINE', `unknown job input "${name}" (declared: ${Object.keys(decls).join(', ') || 'none'})`, `inputs.${name}`));
  }
  for (const [name, decl] of Object.entries(decls)) {
    const v = given && Object.hasOwn(given, name) ? given[name] : decl.default;
    if (v === undefined) {
      errors.push(new SlimflowError('INVALID_PIPELINE', `job input "${name}" (${decl.type}) is required`, `inputs.${name}`));
    } else if (!fits(v, decl.type)) {
      errors.push(new SlimflowError('INVALID_PIPELINE', `job input "${name}" must be a ${decl.type}, got ${JSON.stringify(v)}`, `inputs.${name}`));
    } else out[name] = v;
  }
  if (errors.length > 0) throw new PipelineValidationError(errors);
  return out;
}

/** Names of model inputs given as file paths; the interpreter imports these before the first step. */
export function modelPathInputs(cp: CompiledPipeline, inputs: Record<string, unknown>): string[] {
  return Object.entries(cp.pipeline.inputs)
    .filter(([name, decl]) => decl.type === 'model' && typeof inputs[name] === 'string')
    .map(([name]) => name);
}
