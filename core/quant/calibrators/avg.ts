import { z } from 'zod';
import { RangeRecord } from '../ranges';
import { Calibrator } from './calibrator';
import { calibratorParamsSchema } from './catalog';

/** Its parameters are declared in ./catalog.ts; symmetric ranges are ±(mean over batches of each batch's max |x|), ACT's "avg" exactly. */
type Params = { symmetric: boolean };
type Stats = Record<string, { minSum: number; maxSum: number; absSum: number; batches: number; count: number }>;

/**
 * ACT's "avg": the mean over batches of each batch's extremes. One outlier batch moves the range by
 * 1/batches of its excess instead of all of it, so the range clips rare spikes that abs_max keeps.
 */
export const avgCalibrator: Calibrator<Params, Stats> = {
  name: 'avg',
  paramsSchema: calibratorParamsSchema('avg') as unknown as z.ZodType<Params>,
  reads: 'summary',
  initStatistics: (names) => Object.fromEntries(names.map((n) => [n, { minSum: 0, maxSum: 0, absSum: 0, batches: 0, count: 0 }])),
  observe(stats, name, { summary: e }) {
    if (e.count === 0) return;
    const s = stats[name];
    s.minSum += e.min;
    s.maxSum += e.max;
    s.absSum += Math.max(Math.abs(e.min), Math.abs(e.max));
    s.batches++;
    s.count += e.count;
  },
  computeRanges(stats, p) {
    const out: RangeRecord = {};
    for (const [name, s] of Object.entries(stats)) {
      const n = s.batches || 1;
      const m = s.absSum / n;
      out[name] = p.symmetric ? { min: -m, max: m, count: s.count } : { min: s.minSum / n, max: s.maxSum / n, count: s.count };
    }
    return out;
  },
};
