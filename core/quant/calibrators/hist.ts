import { z } from 'zod';
import { thresholdCandidates } from '../histogram-search';
import { HIST_PERCENT_DEFAULT } from './hist-default';
import { histogramCalibrator, histogramParams } from './histogram-calibrator';

const params = z.preprocess(
  // ptqTrial passes ACT's hist_percent as `percentile`; both spellings mean the same parameter.
  (v) => (v && typeof v === 'object' && 'percentile' in v && !('hist_percent' in v)
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k === 'percentile' ? 'hist_percent' : k, x]))
    : v),
  z.strictObject({
    ...histogramParams,
    /** Share of |x| values kept inside the range (ACT's hist_percent). */
    hist_percent: z.number().gt(0.5).max(1).default(HIST_PERCENT_DEFAULT),
  }),
);
type Params = z.output<typeof params>;

/** Percentile clipping: T is the smallest bin edge with at least hist_percent of |x| at or below it. */
export const histCalibrator = histogramCalibrator<Params>({
  name: 'hist',
  paramsSchema: params as unknown as z.ZodType<Params>,
  searchSpace: { hist_percent: [0.999, 0.9999, 0.99999, 0.999999] },
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
