import { SlimflowError } from '../errors';
import { encodeModel } from '../onnx/model-io';
import { Model } from '../onnx/proto';
import type { ElementType } from '../feed';
import { syntheticFeed } from '../feed-data';
import { Tensor } from '../tensor';

/** Input shapes by input name. */
export type InputShapes = Record<string, number[]>;

/**
 * The model's bytes with concrete dims on its graph inputs. onnxruntime then infers every shape,
 * folds Shape→Gather chains and picks the kernels it would for that batch: the graph we cost is the
 * graph that runs for this shape. The caller's model is left as it was (dims restored, no deep copy:
 * copying a detector costs more than encoding it).
 */
export function encodeWithFixedInputs(model: Model, shapes: InputShapes): Uint8Array {
  const inits = new Set(model.graph.initializer.map((t) => t.name));
  const saved: [NonNullable<Model['graph']['input'][number]['type']>['tensorType'], unknown][] = [];
  try {
    for (const input of model.graph.input) {
      if (inits.has(input.name)) continue;
      const dims = shapes[input.name];
      if (!dims) throw new SlimflowError('SHAPE_MISMATCH', `no shape given for model input "${input.name}"`, input.name);
      const tt = input.type?.tensorType;
      if (!tt) throw new SlimflowError('NOT_SUPPORTED', 'only tensor inputs can be costed', input.name);
      const declared = tt.shape?.dim ?? [];
      if (declared.length && declared.length !== dims.length) {
        throw new SlimflowError('SHAPE_MISMATCH', `input "${input.name}" has rank ${declared.length}, shape [${dims.join(',')}] given`, input.name);
      }
      saved.push([tt, tt.shape]);
      tt.shape = { dim: dims.map((d) => ({ dimValue: d })) };
    }
    return encodeModel(model);
  } finally {
    for (const [tt, shape] of saved) (tt as { shape?: unknown }).shape = shape;
  }
}

/** The runtime (non-initializer) inputs of a model with their declared dims (0 or a name for dynamic ones). */
export function runtimeInputs(model: Model): { name: string; dims: (number | string)[]; elemType: number }[] {
  const inits = new Set(model.graph.initializer.map((t) => t.name));
  return model.graph.input.filter((i) => !inits.has(i.name)).map((i) => ({
    name: i.name,
    elemType: i.type?.tensorType?.elemType ?? 1,
    dims: (i.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || (d.dimValue != null ? Number(d.dimValue) || d.dimParam || '?' : '?')),
  }));
}

/** Shapes for the inputs: the given ones, else the model's own fixed dims. */
export function resolveInputShapes(model: Model, given: InputShapes = {}): InputShapes {
  const out: InputShapes = {};
  for (const i of runtimeInputs(model)) {
    const g = given[i.name] ?? (Object.keys(given).length === 1 && runtimeInputs(model).length === 1 ? Object.values(given)[0] : undefined);
    if (g) { out[i.name] = g; continue; }
    if (i.dims.some((d) => typeof d !== 'number' || d <= 0)) {
      throw new SlimflowError('INVALID_CONFIG', `input ${i.name} has dynamic dims [${i.dims.join(', ')}]: give its shape, e.g. --shape 8,3,48,192`, i.name);
    }
    out[i.name] = i.dims as number[];
  }
  return out;
}

/**
 * A deterministic non-constant float feed (timings must not depend on zeros taking shortcuts). Inputs
 * `dtypes` names as other than float32 get the constant feed of their type (integers 1: valid token ids).
 */
export function patternFeed(shapes: InputShapes, dtypes: Readonly<Record<string, ElementType>> = {}): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const [name, dims] of Object.entries(shapes)) {
    const dtype = dtypes[name] ?? 'float32';
    if (dtype !== 'float32') {
      Object.assign(feeds, syntheticFeed([{ name, dtype, shape: dims }]));
      continue;
    }
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
    feeds[name] = { dtype: 'float32', dims, data };
  }
  return feeds;
}
