import { z } from 'zod';
import { RangeRecord } from '../ranges';

/**
 * A calibrator in two stages: statistics are streamed in batch by batch (memory bounded by the
 * number of tensors, never by the data), then ranges are computed once from them.
 */
export interface Calibrator<P = unknown, S = unknown> {
  readonly name: string;
  readonly paramsSchema: z.ZodType<P>;
  /** Values a search may try per parameter (each must parse with paramsSchema); absent: nothing to tune. */
  readonly searchSpace?: { readonly [K in keyof P]?: readonly P[K][] };
  /** Empty statistics for the given tensors. */
  initStatistics(tensorNames: string[], params: P): S;
  /**
   * Fold one batch of one tensor's values into the statistics. Throws SlimflowError('INVALID_DATA')
   * naming the tensor when the values hold NaN or Inf.
   */
  observe(stats: S, tensorName: string, values: Float32Array, params: P): void;
  /** Ranges from the accumulated statistics. */
  computeRanges(stats: S, params: P): RangeRecord;
}
