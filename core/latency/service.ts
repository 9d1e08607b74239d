import * as fs from 'node:fs';
import type { FeedInput } from '../feed';
import { syntheticFeed } from '../feed-data';
import { measureLatency } from '../runtime/latency';
import { estimateLatency } from './estimate';
import { patternFeed } from './fixed-shape';
import { LatencyPredictor } from './predictor';
import { readTable } from './table';

/** Predictors by table file and mtime: a worker trains the regressors once per table, not per call. */
const predictors = new Map<string, LatencyPredictor>();

/** The predictor for a table file (cached while the file is unchanged). */
export function predictorFor(file: string): LatencyPredictor {
  const key = `${file}@${fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0}`;
  let p = predictors.get(key);
  if (!p) {
    p = new LatencyPredictor(readTable(file));
    predictors.set(key, p);
  }
  return p;
}

export interface LatencyFigure {
  latencyMs: number;
  latency: { totalMs: number; method: 'predicted' | 'measured'; threads: number; [k: string]: unknown };
}

/**
 * What the estimateLatency stage reports: a prediction from the table when one is given (the table
 * argument, else SLIMFLOW_LATENCY_TABLE), otherwise a measurement, saying which and why.
 */
export async function predictOrMeasure(model: Uint8Array, opts: { table?: string; inputs: readonly FeedInput[]; threads: number }): Promise<LatencyFigure> {
  const table = opts.table ?? process.env.SLIMFLOW_LATENCY_TABLE;
  const shapes = Object.fromEntries(opts.inputs.map((i) => [i.name, [...i.shape]]));
  if (table) {
    const est = await estimateLatency(model, predictorFor(table), { shapes, threads: opts.threads });
    return {
      latencyMs: est.predictedMs,
      latency: {
        totalMs: est.predictedMs, method: 'predicted', threads: opts.threads, table, kernelMs: est.kernelMs, overheadMs: est.overheadMs,
        nodes: est.nodes, byOp: est.byOp, methods: est.methods, guessedOps: est.guessedOps, warnings: est.warnings,
        sparsityNote: est.sparsity.note, tableInfo: est.table,
      },
    };
  }
  // Float inputs get a non-constant pattern (no zero shortcuts); integer inputs a constant 1 (valid token ids and masks).
  const floats = opts.inputs.filter((i) => i.dtype === 'float32');
  const feeds = { ...syntheticFeed(opts.inputs), ...patternFeed(Object.fromEntries(floats.map((i) => [i.name, [...i.shape]]))) };
  const r = await measureLatency(model, feeds, { threads: opts.threads });
  return {
    latencyMs: r.medianMs,
    latency: {
      totalMs: r.medianMs, p10Ms: r.p10Ms, p90Ms: r.p90Ms, method: 'measured', threads: opts.threads,
      reason: 'no latency table given (table input or SLIMFLOW_LATENCY_TABLE): measured instead of predicted',
    },
  };
}
