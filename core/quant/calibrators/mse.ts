import { z } from 'zod';
import { argminIndex, clippedRange, ErrorModel, thresholdCandidates } from '../histogram-search';
import { calibratorParamsSchema } from './catalog';
import { histogramCalibrator, HistogramParams } from './histogram-calibrator';

type Params = HistogramParams;

/**
 * MSE: the threshold whose uint8 grid gives the smallest expected squared error on the histogram,
 * trading clipping error of the tails against rounding error of the bulk.
 */
export const mseCalibrator = histogramCalibrator<Params>({
  name: 'mse',
  paramsSchema: calibratorParamsSchema('mse') as unknown as z.ZodType<Params>,
  threshold(h, p) {
    const { jMax, threshold } = thresholdCandidates(h);
    const errors = new ErrorModel(h);
    const j = argminIndex(1, jMax, (k) => errors.expected(clippedRange(h, threshold(k), p.symmetric), 'squared'));
    return threshold(j);
  },
});
