import type { Tensor } from '../tensor';

/** An axis-aligned text box in input pixels (x1, y1 exclusive), with the text it holds when known. */
export interface TextBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  text?: string;
}

/** What a sample is labeled with: a class index (cls), the line's text (rec), or the page's text boxes (det). */
export type Label = number | string | TextBox[];

/**
 * One sample: its tensors without the batch axis. A single-tensor source (images, rendered lines,
 * .npy sample files) has one tensor, under ONE_INPUT, which fills the feed's one input; a named
 * source (npz, per-input .npy, text) has one per graph input it fills, under the input's name.
 */
export interface Sample {
  id: string;
  tensors: Record<string, Tensor>;
  label?: Label;
}

/** The key of a single-tensor source's one tensor. */
export const ONE_INPUT = '';

/** A dataset opened for reading: it knows its size and yields samples in a fixed order. */
export interface SampleSource {
  /** Where the data comes from, for error messages (folder, file list, "rendered-textlines(seed=…)"). */
  readonly where: string;
  /** Whether every sample carries a label. */
  readonly labeled: boolean;
  /** 'one': each sample is one tensor (ONE_INPUT); 'named': tensors named after graph inputs. */
  readonly arity: 'one' | 'named';
  /** How many samples `samples()` yields (before any limit). */
  count(): Promise<number>;
  samples(limit?: number): AsyncGenerator<Sample>;
}

/** A single-tensor sample of float32 data. */
export const floatSample = (id: string, dims: number[], data: Float32Array, label?: Label): Sample => ({
  id, tensors: { [ONE_INPUT]: { dtype: 'float32', dims, data } }, label,
});
