import * as ort from 'onnxruntime-node';
import { SlimflowError } from '../errors';
import { elementTypeOf, ELEMENT_TYPE_CODES, ElementType, GraphInput } from '../feed';
import { Tensor } from '../tensor';
import { fromOrt, toOrt } from './convert';

export interface SessionOptions {
  /** Intra-op threads; fixed so that latencies are comparable. */
  threads?: number;
  /** Where onnxruntime writes the graph it optimized (to check which kernels it chose). */
  optimizedModelPath?: string;
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  profile?: boolean;
}

/** A loaded model ready to run. Wraps onnxruntime so the rest of the core sees host tensors only. */
export class ModelSession {
  private constructor(readonly session: ort.InferenceSession, readonly label: string) {}

  static async create(model: string | Uint8Array, opts: SessionOptions = {}, label = typeof model === 'string' ? model : '<model>'): Promise<ModelSession> {
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.threads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: opts.graphOptimization ?? 'all',
      enableProfiling: opts.profile ?? false,
      // Errors only: writing the optimized graph (to check kernels) warns on every session.
      logSeverityLevel: 3,
    };
    // onnxruntime-node rejects an explicit undefined here, so only set it when asked for.
    if (opts.optimizedModelPath) options.optimizedModelFilePath = opts.optimizedModelPath;
    try {
      const s = typeof model === 'string'
        ? await ort.InferenceSession.create(model, options)
        : await ort.InferenceSession.create(model, options);
      return new ModelSession(s, label);
    } catch (e) {
      throw new SlimflowError('INVALID_MODEL', `onnxruntime cannot load the model: ${(e as Error).message}`, label);
    }
  }

  get inputNames(): readonly string[] { return this.session.inputNames; }
  get outputNames(): readonly string[] { return this.session.outputNames; }

  /** The graph's inputs as onnxruntime reads them: name, element type, dims (a name or '?' for a dynamic one). */
  get graphInputs(): GraphInput[] {
    return this.session.inputMetadata.map((m) => {
      if (!m.isTensor) return { name: m.name, dtype: 'unsupported(0)' as const, dims: [] };
      const dtype: GraphInput['dtype'] = m.type in ELEMENT_TYPE_CODES ? (m.type as ElementType) : elementTypeOf(Number(m.type)) ?? `unsupported(${ortTypeCode(m.type)})`;
      return { name: m.name, dtype, dims: m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : typeof d === 'string' && d ? d : '?')) };
    });
  }

  /** Run once; `outputs` picks which tensors to fetch (all graph outputs by default). */
  async run(feeds: Record<string, Tensor>, outputs?: string[]): Promise<Record<string, Tensor>> {
    for (const name of Object.keys(feeds)) {
      if (!this.session.inputNames.includes(name)) {
        throw new SlimflowError('SHAPE_MISMATCH', `model has no input named "${name}"; its inputs are ${this.session.inputNames.join(', ')}`, this.label);
      }
    }
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
    let res: ort.InferenceSession.ReturnType;
    try {
      res = outputs ? await this.session.run(ortFeeds, outputs) : await this.session.run(ortFeeds);
    } catch (e) {
      const shapes = Object.entries(feeds).map(([k, v]) => `${k}[${v.dims.join('x')}]`).join(', ');
      throw new SlimflowError('SHAPE_MISMATCH', `onnxruntime rejected inputs ${shapes}: ${(e as Error).message}`, this.label);
    }
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(res)) out[k] = fromOrt(v);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The ONNX data type code of an onnxruntime tensor type name that slimflow cannot feed (for the error message). */
const ortTypeCode = (t: string): number => ({ string: 8, uint16: 4, int16: 5, uint32: 12, uint64: 13, int4: 22, uint4: 21 } as Record<string, number>)[t] ?? 0;
