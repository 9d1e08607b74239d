import { SlimflowError } from '../../errors';
import { ModelSession } from '../../runtime/session';
import { hash32, Prng } from '../../search/prng';
import { Tensor } from '../../tensor';
import { ActivationObserver } from '../collect';
import { gramModel, kernelSession } from './kernels';
import { LayerShape, sampleColumns } from './layer-columns';

/** One layer whose input columns are collected. */
export interface GramLayer { label: string; input: string; shape: LayerShape }

/** The accumulated Gram matrices of one layer: H [groups, k, k] = Σ over sampled columns of x·xᵀ. */
export interface LayerGram { h: Float64Array; columns: number }

/**
 * Streams calibration batches into per-layer Gram matrices of sampled input columns (memory: one
 * groups·k² matrix per layer, whatever the amount of data). The products run in onnxruntime.
 */
export class GramObserver implements ActivationObserver {
  readonly tensors: string[];
  private readonly grams = new Map<string, LayerGram>();
  private readonly byInput = new Map<string, GramLayer[]>();
  private session?: Promise<ModelSession>;
  private batches = 0;

  /** `columns`: how many columns to sample per layer and batch; `seed` fixes which. */
  constructor(readonly layers: GramLayer[], private readonly columns: number, private readonly seed: number, private readonly threads = 1) {
    for (const l of layers) {
      const list = this.byInput.get(l.input);
      if (list) list.push(l); else this.byInput.set(l.input, [l]);
    }
    this.tensors = [...this.byInput.keys()];
  }

  async observe(name: string, value: Tensor): Promise<void> {
    const layers = this.byInput.get(name) ?? [];
    if (layers.length === 0) return;
    this.session ??= kernelSession(gramModel(), this.threads);
    const session = await this.session;
    const batch = this.batches++;
    for (const [i, l] of layers.entries()) {
      const { groups, k } = l.shape;
      const channels = l.shape.window ? value.dims[1] : value.dims[value.dims.length - 1];
      const expected = l.shape.window ? groups * (k / (l.shape.window.kernel[0] * l.shape.window.kernel[1])) : k;
      if (channels !== expected) throw new SlimflowError('SHAPE_MISMATCH', `input has ${channels} channels, the weight expects ${expected}`, l.label);
      // A sub-seed per (layer, batch): the sample does not depend on the order layers are visited in.
      const rng = new Prng(hash32(hash32(this.seed, batch), hash32(i, this.layers.indexOf(l))));
      const { data, n } = sampleColumns(value, l.shape, this.columns, rng);
      if (n === 0) continue;
      const out = await session.run({ x: { dtype: 'float32', dims: [groups, n, k], data } });
      const h = out.h.data as Float32Array;
      let acc = this.grams.get(l.label);
      if (!acc) this.grams.set(l.label, (acc = { h: new Float64Array(groups * k * k), columns: 0 }));
      for (let j = 0; j < h.length; j++) acc.h[j] += h[j];
      acc.columns += n;
    }
  }

  /** The Gram matrices of a layer, or undefined if its input was never seen. */
  gram(label: string): LayerGram | undefined {
    return this.grams.get(label);
  }

  /** Release the onnxruntime session. */
  async release(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) await (await s).release();
  }
}
