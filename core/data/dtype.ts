import { SlimflowError } from '../errors';
import { ElementType } from '../feed';
import { DType, Tensor, TypedArrayOf, sizeOf } from '../tensor';

/**
 * Element type conversion of host data into a feed input's type. A value crosses only when it
 * survives: integers must fit the target's range, floats become integers or bool only when they
 * are whole (0/1 for bool), integers become floats only when the float holds them exactly. Float
 * to a narrower float (float64 → float32, float32 → float16) rounds to nearest, as every exporter's
 * own cast does, and fails only when a value overflows the narrower type.
 */

const INT_RANGE: Partial<Record<DType, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int8: [-128, 127],
  uint8: [0, 255],
  bool: [0, 1],
};
const FLOAT_MAX: Partial<Record<DType, number>> = { float16: 65504, float32: 3.4028234663852886e38, float64: Infinity };
const isFloat = (d: DType) => d === 'float32' || d === 'float64' || d === 'float16';

/** A zero-filled typed array of `n` elements of `dtype`. */
export function allocData<D extends DType>(dtype: D, n: number): TypedArrayOf<D> {
  switch (dtype) {
    case 'float32': return new Float32Array(n) as TypedArrayOf<D>;
    case 'float64': return new Float64Array(n) as TypedArrayOf<D>;
    case 'int64': return new BigInt64Array(n) as TypedArrayOf<D>;
    case 'int32': return new Int32Array(n) as TypedArrayOf<D>;
    case 'int8': return new Int8Array(n) as TypedArrayOf<D>;
    case 'float16': return new Uint16Array(n) as TypedArrayOf<D>;
    default: return new Uint8Array(n) as TypedArrayOf<D>;
  }
}

/**
 * `t` in element type `to` (the same object when it already is). `name` (the input) and `where`
 * (file or dataset) name the culprit when a value cannot cross; the message gives its index, never its value.
 */
export function convertTensor(t: Tensor, to: ElementType, name: string, where?: string): Tensor {
  if (t.dtype === to) return t;
  const n = t.data.length;
  const out = allocData(to, n);
  const fail = (i: number, why: string) => new SlimflowError(
    'INVALID_DATA',
    `input "${name}" takes ${to}, and the ${t.dtype} data cannot be converted without loss: element [${unravel(i, t.dims).join(', ')}] ${why}`,
    where,
  );
  const read = reader(t);
  if (to === 'int64') {
    const o = out as BigInt64Array;
    if (t.dtype === 'int64') o.set(t.data as BigInt64Array);
    for (let i = 0; i < n && t.dtype !== 'int64'; i++) {
      const x = read(i) as number;
      if (!Number.isInteger(x)) throw fail(i, 'is not a whole number');
      if (!Number.isSafeInteger(x)) throw fail(i, 'is outside the exactly representable range');
      o[i] = BigInt(x);
    }
    return { dtype: to, dims: [...t.dims], data: o };
  }
  const range = INT_RANGE[to];
  const fmax = FLOAT_MAX[to];
  const write = writer(to, out);
  for (let i = 0; i < n; i++) {
    const raw = read(i);
    let x: number;
    if (typeof raw === 'bigint') {
      x = Number(raw);
      if (BigInt(x) !== raw) throw fail(i, `does not fit in ${to}`);
    } else x = raw;
    if (range) {
      if (!Number.isInteger(x)) throw fail(i, to === 'bool' ? 'is not 0 or 1' : 'is not a whole number');
      if (x < range[0] || x > range[1]) throw fail(i, to === 'bool' ? 'is not 0 or 1' : `is outside the ${to} range`);
      write(i, x);
    } else {
      if (Number.isFinite(x) && Math.abs(x) > fmax!) throw fail(i, `overflows ${to}`);
      write(i, x);
      // Integers must arrive exactly; floats may round (see above).
      if (!isFloat(t.dtype) && readBack(to, out, i) !== x) throw fail(i, `is not exactly representable in ${to}`);
    }
  }
  return { dtype: to, dims: [...t.dims], data: out };
}

/** Element i as a number (bigint for int64), float16 decoded. */
function reader(t: Tensor): (i: number) => number | bigint {
  if (t.dtype === 'float16') {
    const d = t.data as Uint16Array;
    return (i) => float16ToNumber(d[i]);
  }
  const d = t.data as ArrayLike<number | bigint>;
  return (i) => d[i];
}

function writer(to: DType, out: Tensor['data']): (i: number, x: number) => void {
  if (to === 'float16') {
    const o = out as Uint16Array;
    return (i, x) => { o[i] = numberToFloat16(x); };
  }
  const o = out as unknown as { [i: number]: number };
  return (i, x) => { o[i] = x; };
}

function readBack(to: DType, out: Tensor['data'], i: number): number {
  return to === 'float16' ? float16ToNumber((out as Uint16Array)[i]) : Number((out as ArrayLike<number>)[i]);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of x, rounded to nearest even (through float32, as onnxruntime's Cast does). */
export function numberToFloat16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf or NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit bit, rounding to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is the correct rounding (up to Inf).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0));
}

/** The number that binary16 bits h stand for. */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The first non-finite element of a float tensor, or -1; float16 is decoded. */
export function firstNonFinite(t: Tensor): number {
  if (t.dtype === 'float16') return (t.data as Uint16Array).findIndex((h) => (h & 0x7c00) === 0x7c00);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') return -1;
  return (t.data as Float32Array).findIndex((v) => !Number.isFinite(v));
}

/** Flat C-order index → multi-index, so an error can say which element is meant. */
export function unravel(flat: number, dims: readonly number[]): number[] {
  const idx = new Array<number>(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    idx[i] = flat % dims[i];
    flat = Math.floor(flat / dims[i]);
  }
  return idx;
}

/** Rows [from, to) of a tensor along axis 0, as a view (no copy). */
export function rowsOf(t: Tensor, from: number, to: number): Tensor {
  const row = t.dims.length > 0 ? sizeOf(t.dims.slice(1)) : 1;
  return { dtype: t.dtype, dims: [to - from, ...t.dims.slice(1)], data: t.data.subarray(from * row, to * row) } as Tensor;
}
