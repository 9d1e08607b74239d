import { z } from 'zod';
import { StreamingHistogram } from '../histogram';
import { rangeFromThreshold } from '../histogram-search';
import { RangeRecord } from '../ranges';
import { Calibrator } from './calibrator';

/** Parameters every histogram calibrator shares (declared in ./catalog.ts): bins per side, ±T ranges, values sampled per batch. */
export interface HistogramParams { bins: number; symmetric: boolean; max_samples: number }

export type HistogramStats = Record<string, StreamingHistogram>;

/**
 * A calibrator that streams one histogram per tensor and then picks a clipping threshold T on |x|
 * from it; only the threshold rule differs between hist, mse, KL and emd.
 */
export function histogramCalibrator<P extends HistogramParams>(def: {
  name: string;
  paramsSchema: z.ZodType<P>;
  /** The threshold on |x| for one tensor's histogram (total > 0). */
  threshold: (h: StreamingHistogram, params: P) => number;
  /** Whether the threshold rule reads the histogram's count of exact zeros (costs a little per value). */
  countZeros?: boolean;
}): Calibrator<P, HistogramStats> {
  return {
    name: def.name,
    paramsSchema: def.paramsSchema,
    reads: 'values',
    maxSamples: (p) => p.max_samples,
    initStatistics: (names, p) => Object.fromEntries(names.map((n) => [n, new StreamingHistogram(p.bins, def.countZeros ?? false)])),
    observe(stats, name, { summary, values }) {
      if (summary.count === 0 || !values) return;
      // A sample stands for the whole batch, so every batch weighs by its size whatever its stride.
      stats[name].add(values, summary, summary.count);
    },
    computeRanges(stats, p) {
      const out: RangeRecord = {};
      for (const [name, h] of Object.entries(stats)) {
        out[name] = h.total === 0 ? { min: 0, max: 0, count: 0 } : rangeFromThreshold(h, def.threshold(h, p), p.symmetric);
      }
      return out;
    },
  };
}
