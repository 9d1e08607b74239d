import { describe, expect, it } from 'vitest';
import { makeNode } from '../../../core/onnx/graph';
import { batchOfValues, calibratorNames, getCalibrator } from '../../../core/quant/calibrators';
import { collectRanges } from '../../../core/quant/collect';
import { SlimflowError } from '../../../core/errors';
import { floatTensor, Tensor } from '../../../core/tensor';
import { batchesOf, gaussianWithOutliers, singleNodeModel } from './calibration-fixtures';

const N = 4000;
/** act = Identity(x): the calibrated tensor is an intermediate, as in a real network. */
const model = singleNodeModel(makeNode('Identity', ['x'], ['act'], 'identity'), { x: [1, N] }, []);

async function* feeds(batches: Float32Array[]): AsyncGenerator<Record<string, Tensor>> {
  for (const b of batches) yield { x: floatTensor(b, [1, N]) };
}

describe('collectRanges (extremes reduced inside onnxruntime)', () => {
  it('gives every calibrator the ranges it computes from the same values on the host', async () => {
    const batches = batchesOf(gaussianWithOutliers(3 * N, 5, 6, 25), N);
    for (const name of calibratorNames()) {
      const c = getCalibrator(name);
      const p = c.paramsSchema.parse({});
      const stats = c.initStatistics(['act'], p);
      for (const b of batches) c.observe(stats, 'act', batchOfValues(b, 'act'), p);
      const host = c.computeRanges(stats, p);
      expect(await collectRanges(model, ['act'], feeds(batches), { calibrator: name }), name).toEqual(host);
    }
  });

  it('rejects NaN and Inf naming the tensor, for every calibrator', async () => {
    for (const name of calibratorNames()) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const b = new Float32Array(N).fill(0.5);
        b[N - 3] = bad;
        const run = collectRanges(model, ['act'], feeds([new Float32Array(N), b]), { calibrator: name });
        await expect(run, `${name} ${bad}`).rejects.toThrow(SlimflowError);
        await expect(run, `${name} ${bad}`).rejects.toThrow(/NaN or Inf.*\(at act\)/);
      }
    }
  });

  it('accepts large finite values whose float32 sum overflows', async () => {
    const b = new Float32Array(N).fill(3e38);
    const r = await collectRanges(model, ['act'], feeds([b]), { calibrator: 'abs_max' });
    expect(r.act).toEqual({ min: Math.fround(3e38), max: Math.fround(3e38), count: N });
  });
});
