import { z } from 'zod';
import { StreamingHistogram } from '../histogram';
import { DEFAULT_MAX_SAMPLES } from '../histogram-sample';
import { rangeFromThreshold } from '../histogram-search';
import { RangeRecord } from '../ranges';
import { Calibrator } from './calibrator';

/** Parameters every histogram calibrator shares. */
export const histogramParams = {
  /** Bins on each side of zero (2·bins in all); memory per tensor is 16·bins bytes. */
  bins: z.number().int().min(16).max(1 << 16).multipleOf(2).default(2048),
  /** Ranges symmetric around zero (±T) instead of the data's own extremes clipped at ±T. */
  symmetric: z.boolean().default(false),
  /** Values read per tensor per batch, every step-th row taken inside onnxruntime (0: all); extremes stay exact. */
  max_samples: z.number().int().min(0).default(DEFAULT_MAX_SAMPLES),
};

export type HistogramStats = Record<string, StreamingHistogram>;

/**
 * A calibrator that streams one histogram per tensor and then picks a clipping threshold T on |x|
 * from it; only the threshold rule differs between hist, mse, KL and emd.
 */
export function histogramCalibrator<P extends { bins: number; symmetric: boolean; max_samples: number }>(def: {
  name: string;
  paramsSchema: z.ZodType<P>;
  searchSpace?: Calibrator<P, HistogramStats>['searchSpace'];
  /** The threshold on |x| for one tensor's histogram (total > 0). */
  threshold: (h: StreamingHistogram, params: P) => number;
  /** Whether the threshold rule reads the histogram's count of exact zeros (costs a little per value). */
  countZeros?: boolean;
}): Calibrator<P, HistogramStats> {
  return {
    name: def.name,
    paramsSchema: def.paramsSchema,
    searchSpace: def.searchSpace,
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
