import { describe, expect, it } from 'vitest';
import { makeNode } from '../../../core/onnx/graph';
import { encodeModel } from '../../../core/onnx/model-io';
import { batchOfValues, getCalibrator } from '../../../core/quant/calibrators';
import { collectRanges, withSummaryOutputs } from '../../../core/quant/collect';
import { addSampleOutputs, sampleStride, shapeDims, strideFeed } from '../../../core/quant/histogram-sample';
import { ModelSession } from '../../../core/runtime/session';
import { floatTensor, Tensor } from '../../../core/tensor';
import { batchesOf, gaussianWithOutliers, rng, singleNodeModel } from './calibration-fixtures';

const isPrime = (n: number) => n >= 2 && Array.from({ length: Math.floor(Math.sqrt(n)) - 1 }, (_, k) => k + 2).every((d) => n % d !== 0);

describe('sampleStride', () => {
  it('is 1 when all values fit, else a prime leaving at most maxSamples values and sharing no factor with the row count', () => {
    expect(sampleStride(100, 10, 1000)).toBe(1);
    expect(sampleStride(100, 10, 0)).toBe(1);
    // Feature maps as rows (batch·C·H) of W values: power-of-two and 3·2^k dims, and rec's 5s.
    for (const [rows, w] of [[8 * 64 * 24, 80], [8 * 96 * 6, 80], [24 * 160, 160], [3 * 2 ** 14, 64], [7 * 11 * 13, 1000]]) {
      for (const max of [4096, 2 ** 18]) {
        const s = sampleStride(rows, w, max);
        expect(isPrime(s), `${rows}x${w}/${max}`).toBe(true);
        expect(Math.ceil(rows / s) * w).toBeLessThanOrEqual(max);
        expect(rows % s).not.toBe(0);
      }
    }
  });
});

describe('the sampling tap', () => {
  it('copies out every row at stride 1 and every stride-th row after that, with the tensor\'s shape', async () => {
    const [C, H, W] = [16, 32, 48];
    const model = singleNodeModel(makeNode('Relu', ['x'], ['act'], 'relu'), { x: [1, C, H, W] }, []);
    const tap = withSummaryOutputs(model, [], []).model;
    const sample = addSampleOutputs(tap, ['act']).get('act')!;
    const s = await ModelSession.create(encodeModel(tap));
    try {
      const x = gaussianWithOutliers(C * H * W, 3, 4, 30);
      const run = (stride: number) => s.run({ x: floatTensor(x, [1, C, H, W]), [sample.step]: strideFeed(stride) });
      const relu = Float32Array.from(x, (v) => Math.max(0, v));
      const first = await run(1);
      expect(first[sample.output].data).toEqual(relu);
      expect(shapeDims(first[sample.shape])).toEqual([1, C, H, W]);
      const stride = sampleStride(C * H, W, 1000);
      const got = (await run(stride))[sample.output];
      expect(got.dims).toEqual([Math.ceil((C * H) / stride), W]);
      expect(got.data.length).toBeLessThanOrEqual(1000);
      // Whole rows: row r of the sample is row r·stride of the tensor.
      const rows = Array.from({ length: got.dims[0] }, (_, r) => [...relu.subarray(r * stride * W, (r * stride + 1) * W)]);
      expect([...got.data]).toEqual(rows.flat());
      // Extremes are those of the whole tensor, not of the sample.
      const out = await run(stride);
      expect(out[sample.max].data[0]).toBe(Math.max(...relu));
      expect(Math.max(...(got.data as Float32Array))).toBeLessThan(Math.max(...relu));
    } finally {
      await s.release();
    }
  });
});

describe('collectRanges with max_samples', () => {
  // 400 rows of 50: a tensor that row sampling can thin out.
  const dims = [1, 8, 50, 50];
  const N = 8 * 50 * 50;
  const model = singleNodeModel(makeNode('Identity', ['x'], ['act'], 'identity'), { x: dims }, []);
  async function* feeds(batches: Float32Array[]): AsyncGenerator<Record<string, Tensor>> {
    for (const b of batches) yield { x: floatTensor(b, dims) };
  }
  const batches = batchesOf(gaussianWithOutliers(4 * N, 11, 12, 25), N);

  it('max_samples 0 reproduces the ranges from every value exactly', async () => {
    for (const name of ['hist', 'mse', 'KL', 'emd']) {
      const c = getCalibrator(name);
      const p = c.paramsSchema.parse({ max_samples: 0 });
      const stats = c.initStatistics(['act'], p);
      for (const b of batches) c.observe(stats, 'act', batchOfValues(b, 'act'), p);
      const host = c.computeRanges(stats, p);
      expect(await collectRanges(model, ['act'], feeds(batches), { calibrator: name, calibratorParams: { max_samples: 0 } }), name).toEqual(host);
    }
  });

  it('a sample weighs as its whole batch: counts are those of all the data, and the range lands close', async () => {
    const all = await collectRanges(model, ['act'], feeds(batches), { calibrator: 'mse', calibratorParams: { max_samples: 0 } });
    const sampled = await collectRanges(model, ['act'], feeds(batches), { calibrator: 'mse', calibratorParams: { max_samples: 500, symmetric: false } });
    expect(sampled.act.count).toBe(all.act.count);
    // Gaussian bulk: the MSE clip lands within a few percent of the full-data one even from 500 values a batch.
    const width = all.act.max - all.act.min;
    expect(Math.abs(sampled.act.max - all.act.max) / width).toBeLessThan(0.05);
    expect(Math.abs(sampled.act.min - all.act.min) / width).toBeLessThan(0.05);
  });

  it('rejects NaN in the data even where the sample does not look, naming the input', async () => {
    const bad = Float32Array.from(batches[1]);
    // Row 1 of 400: a stride of 41 rows (at most 500 values of 20000) skips it.
    bad[50 + 7] = NaN;
    const run = collectRanges(model, ['act'], feeds([batches[0], bad]), { calibrator: 'hist', calibratorParams: { max_samples: 500 } });
    await expect(run).rejects.toThrow(/NaN or Inf.*\(at x\)/);
  });

  it('probes shapes on the whole first batch when an input has no image axis to cut', async () => {
    // w is an input whose leading dim is not the batch: cut to one row, MatMul rejects it.
    const mm = singleNodeModel(makeNode('MatMul', ['x', 'w'], ['act'], 'mm'), { x: [2, 8], w: [8, 5] }, []);
    const r = rng(4);
    const batch = () => ({ x: floatTensor(Float32Array.from({ length: 16 }, () => r() - 0.5), [2, 8]), w: floatTensor(Float32Array.from({ length: 40 }, () => r() - 0.5), [8, 5]) });
    const data = [batch(), batch()];
    async function* two(): AsyncGenerator<Record<string, Tensor>> { yield* data; }
    const sampled = await collectRanges(mm, ['act'], two(), { calibrator: 'hist' });
    const whole = await collectRanges(mm, ['act'], two(), { calibrator: 'hist', calibratorParams: { max_samples: 0 } });
    expect(sampled).toEqual(whole);
  });
});
