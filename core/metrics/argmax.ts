import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';

/** Float scores of a model output; metrics compare scores, so integer outputs are rejected. */
export function scoresOf(t: Tensor, what: string): Float32Array | Float64Array {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new SlimflowError('SHAPE_MISMATCH', `expected float scores, got ${t.dtype}`, what);
  if (t.dims.length < 2) throw new SlimflowError('SHAPE_MISMATCH', `expected at least N×C scores, got [${t.dims.join(', ')}]`, what);
  return t.data as Float32Array | Float64Array;
}

/** Index of the largest of `n` values starting at `offset` (first one wins ties; NaN never wins). */
export function argmaxAt(v: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let bestVal = -Infinity;
  for (let k = 0; k < n; k++) {
    const x = v[offset + k];
    if (x > bestVal) {
      bestVal = x;
      best = k;
    }
  }
  return best;
}
