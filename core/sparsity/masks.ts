/** A 0/1 mask per weight element, kept as float so it multiplies and checkpoints like the weight. */
export type Mask = Float32Array;

/** w ⊙ mask, in place. */
export function applyMask(w: Float32Array, mask: Mask): void {
  for (let i = 0; i < w.length; i++) w[i] *= mask[i];
}

/** w ⊙ mask as a new array. */
export function masked(w: Float32Array, mask: Mask): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i] * mask[i];
  return out;
}

/** Share of exact zeros. */
export function sparsityOf(w: Float32Array): number {
  let z = 0;
  for (let i = 0; i < w.length; i++) if (w[i] === 0) z++;
  return w.length ? z / w.length : 0;
}
