import { z } from 'zod';
import { thresholdCandidates } from '../histogram-search';
import { calibratorParamsSchema } from './catalog';
import { histogramCalibrator, HistogramParams } from './histogram-calibrator';

const params = z.preprocess(
  // ptqTrial passes ACT's hist_percent as `percentile`; both spellings mean the same parameter.
  (v) => (v && typeof v === 'object' && 'percentile' in v && !('hist_percent' in v)
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k === 'percentile' ? 'hist_percent' : k, x]))
    : v),
  calibratorParamsSchema('hist'),
);
/** Its parameters are declared in ./catalog.ts; hist_percent is the share of |x| values kept inside the range (ACT's). */
type Params = HistogramParams & { hist_percent: number };

/** Percentile clipping: T is the smallest bin edge with at least hist_percent of |x| at or below it. */
export const histCalibrator = histogramCalibrator<Params>({
  name: 'hist',
  paramsSchema: params as unknown as z.ZodType<Params>,
  threshold(h, p) {
    const abs = h.absCounts();
    const { jMax, threshold } = thresholdCandidates(h);
    const want = p.hist_percent * h.total;
    let cum = 0;
    for (let j = 0; j < abs.length; j++) {
      cum += abs[j];
      if (cum >= want) return threshold(Math.min(j + 1, jMax));
    }
    return threshold(jMax);
  },
});
