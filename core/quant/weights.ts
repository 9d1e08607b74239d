import { FloatWeight } from '../onnx/tensor-data';
import { int8SymmetricScale } from './ranges';

/** An int8 weight and its scales: one per channel along `axis`, or a single one when axis is undefined. */
export interface QuantizedWeight { q: Int8Array; scales: Float32Array; axis?: number; dims: number[] }

/**
 * Symmetric int8 quantization, per channel along `axis` (per tensor when undefined). Values use
 * [-qmax, qmax] so that negating a weight never overflows; qmax 63 is the "reduced range" that
 * keeps u8·s8 pair sums inside int16 on CPUs without VNNI.
 */
export function quantizeWeightInt8(w: FloatWeight, axis: number | undefined, qmax = 127): QuantizedWeight {
  const channels = axis === undefined ? 1 : w.dims[axis];
  const inner = axis === undefined ? w.data.length : w.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const absMax = new Float64Array(channels);
  for (let i = 0; i < w.data.length; i++) {
    const c = channelOf(i);
    const a = Math.abs(w.data[i]);
    if (a > absMax[c]) absMax[c] = a;
  }
  // Scales are rounded to float32 before use: the graph stores float32 and the bias scale must match it bit for bit.
  const scales = Float32Array.from(absMax, (m) => int8SymmetricScale(m, qmax));
  const q = new Int8Array(w.data.length);
  for (let i = 0; i < w.data.length; i++) {
    q[i] = Math.max(-qmax, Math.min(qmax, Math.round(w.data[i] / scales[channelOf(i)])));
  }
  return { q, scales, axis, dims: w.dims };
}

/** Int32 bias for an integer conv/matmul: scale is input_scale × weight_scale per output channel, zero point 0. */
export function quantizeBiasInt32(bias: Float32Array, inputScale: number, weightScales: Float32Array): { q: Int32Array; scales: Float32Array } {
  const scales = new Float32Array(bias.length);
  const q = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    scales[c] = Math.fround(inputScale * weightScales[weightScales.length === 1 ? 0 : c]);
    q[c] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(bias[c] / scales[c])));
  }
  return { q, scales };
}
