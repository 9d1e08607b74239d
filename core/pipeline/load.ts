// Pipelines arrive as YAML/JSON text or as an already-parsed object, parsed and checked in the
// client or an activity (runPipeline's checkPipelineInput) within a byte cap and a cap on expanded
// values. js-yaml is pure JavaScript, so replays of older workflows can still use this module.
import { load as loadYaml, YAMLException } from 'js-yaml';
import { SlimflowError } from '../errors';
import { checkPipeline, CompiledPipeline, PipelineValidationError } from './validate';

/** The largest pipeline text accepted (bytes of UTF-8). */
export const PIPELINE_MAX_BYTES = 256 * 1024;
/** The most values (mappings, sequences, scalars) a parsed pipeline may hold once aliases are expanded. */
export const PIPELINE_MAX_VALUES = 100_000;

/**
 * Count the values of a parsed document, following aliases as a consumer would (each use counts),
 * and stop at `max`: a YAML alias bomb is a few hundred bytes that expand to billions of values.
 */
export function countValues(doc: unknown, max: number): number {
  let n = 0;
  const stack: unknown[] = [doc];
  while (stack.length) {
    const v = stack.pop();
    if (++n > max) return n;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) stack.push(x);
  }
  return n;
}

/** Parse YAML (or JSON, a subset of YAML) pipeline text into a plain document, within the size limits. */
export function parsePipelineText(text: string, source = 'pipeline'): unknown {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > PIPELINE_MAX_BYTES) throw new SlimflowError('INVALID_PIPELINE', `pipeline text is ${bytes} bytes; the limit is ${PIPELINE_MAX_BYTES}`, source);
  let doc: unknown;
  try {
    doc = loadYaml(text, { filename: source });
  } catch (e) {
    if (e instanceof YAMLException) {
      throw new SlimflowError('INVALID_PIPELINE', `not valid YAML: ${e.reason} at line ${e.mark.line + 1}`, source);
    }
    throw e;
  }
  checkExpandedSize(doc, source);
  return doc;
}

/** Refuse a document that expands (through aliases) past PIPELINE_MAX_VALUES. */
export function checkExpandedSize(doc: unknown, source = 'pipeline'): void {
  if (countValues(doc, PIPELINE_MAX_VALUES) > PIPELINE_MAX_VALUES) {
    throw new SlimflowError('INVALID_PIPELINE', `pipeline expands to more than ${PIPELINE_MAX_VALUES} values (YAML aliases repeating a block, an "alias bomb"?)`, source);
  }
}

/** Parse (if text) and validate a pipeline; throws PipelineValidationError with every problem. */
export function loadPipeline(doc: unknown, source = 'pipeline'): CompiledPipeline {
  const raw = typeof doc === 'string' ? parsePipelineText(doc, source) : doc;
  if (typeof doc !== 'string') checkExpandedSize(raw, source);
  const { pipeline, errors } = checkPipeline(raw);
  if (!pipeline) throw new PipelineValidationError(errors);
  return pipeline;
}
