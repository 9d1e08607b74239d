// Pipelines arrive as YAML/JSON text or as an already-parsed object. js-yaml is pure JavaScript,
// so this module is safe inside the workflow sandbox too.
import { load as loadYaml, YAMLException } from 'js-yaml';
import { SlimflowError } from '../errors';
import { checkPipeline, CompiledPipeline, PipelineValidationError } from './validate';

/** Parse YAML (or JSON, a subset of YAML) pipeline text into a plain document. */
export function parsePipelineText(text: string, source = 'pipeline'): unknown {
  try {
    return loadYaml(text, { filename: source });
  } catch (e) {
    if (e instanceof YAMLException) {
      throw new SlimflowError('INVALID_PIPELINE', `not valid YAML: ${e.reason} at line ${e.mark.line + 1}`, source);
    }
    throw e;
  }
}

/** Parse (if text) and validate a pipeline; throws PipelineValidationError with every problem. */
export function loadPipeline(doc: unknown, source = 'pipeline'): CompiledPipeline {
  const raw = typeof doc === 'string' ? parsePipelineText(doc, source) : doc;
  const { pipeline, errors } = checkPipeline(raw);
  if (!pipeline) throw new PipelineValidationError(errors);
  return pipeline;
}
