import { z } from 'zod';
import { RangeRecord } from '../ranges';

/** One batch of one tensor, summarized: its extremes and number of values (already checked finite). */
export interface BatchSummary { min: number; max: number; count: number }

/** One batch of one tensor as a calibrator sees it: always the summary, the values (or a sample of summary.count values) when it reads them. */
export interface CalibrationBatch { summary: BatchSummary; values?: Float32Array }

/**
 * A calibrator in two stages: statistics are streamed in batch by batch (memory bounded by the
 * number of tensors, never by the data), then ranges are computed once from them.
 */
export interface Calibrator<P = unknown, S = unknown> {
  readonly name: string;
  /** From the calibrator's declaration in ./catalog.ts (its parameters, defaults and search values). */
  readonly paramsSchema: z.ZodType<P>;
  /**
   * 'summary': per-batch extremes are enough, so collection computes them inside onnxruntime and never
   * copies the tensor out; 'values': observe reads every value (batch.values is set).
   */
  readonly reads: 'summary' | 'values';
  /**
   * For 'values': at most this many values per tensor per batch are enough (0: all). Collection then copies
   * out a sample of whole rows and batch.values holds only it; batch.summary still covers the whole tensor.
   */
  maxSamples?(params: P): number;
  /** Empty statistics for the given tensors. */
  initStatistics(tensorNames: string[], params: P): S;
  /** Fold one batch of one tensor in (NaN/Inf were rejected before; see summarizeValues). */
  observe(stats: S, tensorName: string, batch: CalibrationBatch, params: P): void;
  /** Ranges from the accumulated statistics. */
  computeRanges(stats: S, params: P): RangeRecord;
}
