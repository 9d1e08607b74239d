import * as ort from 'onnxruntime-node';
import { SlimflowError } from '../errors';
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
