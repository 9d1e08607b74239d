// The preflight of a hand-written pipeline's inputs (`slimflow run`): every model input given as a
// path decodes, every dataset input exists and yields a sample, before any workflow starts.
import * as fs from 'node:fs';
import { REF_SCHEME } from '../artifacts/store';
import { countSamples } from '../data';
import { readModel } from '../onnx/model-io';
import { Problem, problemOf } from './preflight';

/** The declared inputs of a pipeline (name → type) and the values it will run with (given or default). */
export async function preflightPipelineInputs(decls: Record<string, { type: string; default?: unknown }>, given: Record<string, unknown>): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [name, decl] of Object.entries(decls)) {
    const key = `inputs.${name}`;
    const value = given[name] ?? decl.default;
    if (value === undefined) continue; // a missing required input is the pipeline loader's error
    if (decl.type === 'model' && typeof value === 'string' && !value.startsWith(REF_SCHEME) && !value.startsWith('file://')) {
      if (!fs.existsSync(value)) problems.push({ code: 'NOT_FOUND', key, message: `model file does not exist: ${value}` });
      else {
        try {
          readModel(value);
        } catch (e) {
          problems.push(problemOf(e, key, 'INVALID_MODEL'));
        }
      }
    }
    if (decl.type === 'dataset' && typeof value === 'object' && value !== null) {
      try {
        await countSamples(value, { require: 1, key });
      } catch (e) {
        problems.push(problemOf(e, key, 'INVALID_DATA'));
      }
    }
  }
  return problems;
}
