import { describe, expect, it } from 'vitest';
import { makeNode } from '../../../core/onnx/graph';
import { encodeModel } from '../../../core/onnx/model-io';
import { batchOfValues, getCalibrator } from '../../../core/quant/calibrators';
import { collectRanges, withSummaryOutputs } from '../../../core/quant/collect';
import { addSampleOutputs, sampleStride, strideFeed } from '../../../core/quant/histogram-sample';
import { ModelSession } from '../../../core/runtime/session';
import { floatTensor, Tensor } from '../../../core/tensor';
import { batchesOf, gaussianWithOutliers, singleNodeModel } from './calibration-fixtures';

const isPrime = (n: number) => n >= 2 && Array.from({ length: Math.floor(Math.sqrt(n)) - 1 }, (_, k) => k + 2).every((d) => n % d !== 0);

describe('sampleStride', () => {
  it('is 1 when all values fit, else a prime leaving at most maxSamples values and sharing no factor with the size', () => {
    expect(sampleStride(1000, 1000)).toBe(1);
    expect(sampleStride(1000, 0)).toBe(1);
    // Feature-map sizes: batch·C·H·W with power-of-two and 3·2^k dims, and rec's 5s.
    for (const count of [8 * 64 * 24 * 80, 8 * 96 * 6 * 80, 1 * 24 * 160 * 160, 3 * 2 ** 20, 7 * 11 * 13 * 1000]) {
      for (const max of [4096, 2 ** 18]) {
        const s = sampleStride(count, max);
        expect(isPrime(s), `${count}/${max}`).toBe(true);
        expect(Math.ceil(count / s)).toBeLessThanOrEqual(max);
        expect(count % s).not.toBe(0);
      }
    }
  });
});

describe('the sampling tap', () => {
  it('copies out the whole tensor at stride 1 and ≤ maxSamples strided values after that; the summary stays exact', async () => {
    const [C, H, W] = [16, 32, 48];
    const N = C * H * W;
    const max = 1000;
    const model = singleNodeModel(makeNode('Relu', ['x'], ['act'], 'relu'), { x: [1, C, H, W] }, []);
    const { model: tap, summaries } = withSummaryOutputs(model, ['act'], []);
    const sample = addSampleOutputs(tap, ['act']).get('act')!;
    const s = await ModelSession.create(encodeModel(tap));
    try {
      const x = gaussianWithOutliers(N, 3, 4, 30);
      const run = (stride: number) => s.run({ x: floatTensor(x, [1, C, H, W]), [sample.step]: strideFeed(stride) });
      const first = await run(1);
      const relu = Float32Array.from(x, (v) => Math.max(0, v));
      expect(first[sample.output].data).toEqual(relu);
      const count = Number(first[summaries.get('act')!.size].data[0]);
      const stride = sampleStride(count, max);
      const out = await run(stride);
      const got = out[sample.output].data as Float32Array;
      expect(got.length).toBeLessThanOrEqual(max);
      expect(got.length).toBe(Math.ceil(N / stride));
      expect([...got]).toEqual(Array.from({ length: got.length }, (_, k) => relu[k * stride]));
      // Extremes come from the full tensor, sampled or not.
      expect(out[summaries.get('act')!.max].data[0]).toBe(Math.max(...relu));
    } finally {
      await s.release();
    }
  });
});

describe('collectRanges with max_samples', () => {
  const N = 20000;
  const model = singleNodeModel(makeNode('Identity', ['x'], ['act'], 'identity'), { x: [1, N] }, []);
  async function* feeds(batches: Float32Array[]): AsyncGenerator<Record<string, Tensor>> {
    for (const b of batches) yield { x: floatTensor(b, [1, N]) };
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

  it('a sample weighs as its whole batch: counts and extremes are those of all the data', async () => {
    const all = await collectRanges(model, ['act'], feeds(batches), { calibrator: 'mse', calibratorParams: { max_samples: 0 } });
    const sampled = await collectRanges(model, ['act'], feeds(batches), { calibrator: 'mse', calibratorParams: { max_samples: 500, symmetric: false } });
    expect(sampled.act.count).toBe(all.act.count);
    // Gaussian bulk: the MSE clip lands within a few percent of the full-data one even from 500 values a batch.
    const width = all.act.max - all.act.min;
    expect(Math.abs(sampled.act.max - all.act.max) / width).toBeLessThan(0.05);
    expect(Math.abs(sampled.act.min - all.act.min) / width).toBeLessThan(0.05);
  });
});
