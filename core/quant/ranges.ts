/** What calibration learned about one activation tensor: the float interval its quantizer must cover. */
export interface TensorRange {
  min: number;
  max: number;
  /** How many values the range was computed from (zero means the tensor was never seen). */
  count: number;
}

/** Tensor name → range: the typed record passed from "compute ranges" to QDQ emission. */
export type RangeRecord = Record<string, TensorRange>;

/** Quantization parameters of one tensor. */
export interface QuantParams { scale: number; zeroPoint: number }

/** Smallest scale we emit: a constant or all-zero tensor must still get a usable, non-zero scale. */
const MIN_SCALE = 1e-8;

/**
 * Asymmetric uint8 parameters for a float range. The range is widened to include 0 so that zero
 * (padding, ReLU outputs) is exactly representable.
 */
export function uint8Params(range: Pick<TensorRange, 'min' | 'max'>): QuantParams {
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  const scale = Math.max((hi - lo) / 255, MIN_SCALE);
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale, zeroPoint };
}

/** Symmetric int8 scale for a largest magnitude (zero point 0); `qmax` 127, or 63 for reduced range. */
export const int8SymmetricScale = (absMax: number, qmax = 127): number => Math.max(absMax / qmax, MIN_SCALE);

/** Symmetric int8 parameters for a float range (zero point 0), as TensorRT's explicit quantization wants. */
export function int8SymmetricParams(range: Pick<TensorRange, 'min' | 'max'>): QuantParams {
  return { scale: int8SymmetricScale(Math.max(Math.abs(range.min), Math.abs(range.max))), zeroPoint: 0 };
}
