import { z } from 'zod';
import { argminIndex, clippedRange, ErrorModel, thresholdCandidates } from '../histogram-search';
import { calibratorParamsSchema } from './catalog';
import { histogramCalibrator, HistogramParams } from './histogram-calibrator';

type Params = HistogramParams;

/**
 * EMD: the threshold minimizing the earth mover's (Wasserstein-1) distance between the float values
 * and their quantized copies. Quantization is a monotone map, and in one dimension the monotone
 * coupling is optimal, so that distance is exactly E|x − dq(q(x))|: a mean absolute error.
 */
export const emdCalibrator = histogramCalibrator<Params>({
  name: 'emd',
  paramsSchema: calibratorParamsSchema('emd') as unknown as z.ZodType<Params>,
  threshold(h, p) {
    const { jMax, threshold } = thresholdCandidates(h);
    const errors = new ErrorModel(h);
    const j = argminIndex(1, jMax, (k) => errors.expected(clippedRange(h, threshold(k), p.symmetric), 'absolute'));
    return threshold(j);
  },
});
