import { z } from 'zod';
import { RangeRecord } from '../ranges';
import { Calibrator } from './calibrator';
import { calibratorParamsSchema } from './catalog';

/** Its parameters are declared in ./catalog.ts; symmetric makes every range ±max|x|. */
type Params = { symmetric: boolean };
type Stats = Record<string, { min: number; max: number; count: number }>;

/** Min/max observer: the range is the extreme values seen over all calibration batches. */
export const absMaxCalibrator: Calibrator<Params, Stats> = {
  name: 'abs_max',
  paramsSchema: calibratorParamsSchema('abs_max') as unknown as z.ZodType<Params>,
  reads: 'summary',
  initStatistics: (names) => Object.fromEntries(names.map((n) => [n, { min: Infinity, max: -Infinity, count: 0 }])),
  observe(stats, name, { summary: e }) {
    const s = stats[name];
    if (e.count === 0) return;
    s.min = Math.min(s.min, e.min);
    s.max = Math.max(s.max, e.max);
    s.count += e.count;
  },
  computeRanges(stats, p) {
    const out: RangeRecord = {};
    for (const [name, s] of Object.entries(stats)) {
      // A tensor never observed gets the degenerate range [0, 0]; the quantizer turns that into a safe scale.
      const min = s.count ? s.min : 0;
      const max = s.count ? s.max : 0;
      const m = Math.max(Math.abs(min), Math.abs(max));
      out[name] = p.symmetric ? { min: -m, max: m, count: s.count } : { min, max, count: s.count };
    }
    return out;
  },
};
