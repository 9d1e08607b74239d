// Small pipeline builders shared by the pipeline tests.
import { checkPipeline, CompiledPipeline, compilePipeline } from '../../../core/pipeline';

/** Messages and paths of every validation error of a document. */
export function problems(doc: unknown): Array<{ message: string; path?: string }> {
  return checkPipeline(doc).errors.map((e) => ({ message: e.message, path: e.path }));
}

/** A minimal valid pipeline with the given steps and the usual inputs. */
export function withSteps(steps: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 't',
    inputs: { model: 'model', calib: 'dataset', eval: 'dataset', tolerance: { type: 'number', default: 1 } },
    steps,
    ...extra,
  };
}

/** Compile, failing the test with every message if the pipeline is invalid. */
export const compiled = (steps: Record<string, unknown>, extra: Record<string, unknown> = {}): CompiledPipeline =>
  compilePipeline(withSteps(steps, extra));
