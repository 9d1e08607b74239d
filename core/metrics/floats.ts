import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';

/** A float16 bit pattern as a number (IEEE 754 half precision: 1 sign, 5 exponent, 10 mantissa bits). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/**
 * The values of a float model output (float32, float64, or float16 decoded to float32), with at least
 * `minRank` axes. Task metrics compare scores and embeddings, so integer outputs are refused.
 */
export function floatsOf(t: Tensor, what: string, minRank = 1): Float32Array | Float64Array {
  if (t.dims.length < minRank) throw new SlimflowError('SHAPE_MISMATCH', `expected an output of at least ${minRank} axes (samples first), got [${t.dims.join(', ')}]`, what);
  if (t.dtype === 'float32' || t.dtype === 'float64') return t.data as Float32Array | Float64Array;
  if (t.dtype === 'float16') return Float32Array.from(t.data as Uint16Array, halfToFloat);
  throw new SlimflowError('SHAPE_MISMATCH', `expected float outputs, got ${t.dtype}`, what);
}
