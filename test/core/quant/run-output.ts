// One output of a model run once at 1 thread, and its cosine to a reference output (the transformer quantization tests).
import { cosine } from '../../../core/metrics/agreement';
import { ModelSession } from '../../../core/runtime/session';
import type { Tensor } from '../../../core/tensor';

export async function runOutput(bytes: Uint8Array, feeds: Record<string, Tensor>, output: string): Promise<Float32Array> {
  const s = await ModelSession.create(bytes);
  try {
    return (await s.run(feeds, [output]))[output].data as Float32Array;
  } finally {
    await s.release();
  }
}

/** Cosine similarity over all values of two outputs. */
export const cosineOf = (a: Float32Array, b: Float32Array): number => cosine(a, b, 0, a.length);
