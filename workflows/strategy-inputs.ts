// What the automatic strategy rule needs beyond the graph analysis, gathered by activities:
// per-layer sensitivity of the first PTQ trial, and predicted latencies of each candidate
// strategy's model on the deploy target (when a latency table is configured). The workflow only
// sequences them; core/search/strategy.ts decides with the results.
import { proxyActivities } from '@temporalio/workflow';
import type { PtqTrialConfig } from '../core/config/compile';
import { compileConfig, ptqTrials } from '../core/config/compile';
import { inputPortOf } from '../core/config/feed-request';
import type { JobConfig } from '../core/config/schema';
import type { ArtifactRef } from '../core/pipeline/types';
import { CandidateStrategy, fallbackLayers, StrategyLatency, strategyLatency } from '../core/search/strategy';
import { baseAssignment, toTrialConfig } from '../core/search/space';
import { PtqSearchSpaceInput, resolveSpace } from './ptq-search';
import type { LayerSensitivityRow, StageActivities } from './stage-activities';
import { LONG_HEARTBEAT } from './timeouts';

const { ptqTrial, measureSensitivity, buildStrategyVariants, estimateLatency } = proxyActivities<StageActivities>(LONG_HEARTBEAT);

/** Calibration batches the sensitivity run uses at most: enough to rank layers, cheap next to calibration. */
const SENSITIVITY_BATCHES = 4;

/**
 * The PTQ trial the generated pipeline runs first: the search's tester, else the first QuantPost
 * trial. ptqTrial keys results by config, so measuring sensitivity on it costs the pipeline nothing.
 */
export function firstTrial(effective: JobConfig): PtqTrialConfig {
  const search = compileConfig(effective).steps.search as unknown as { with: { space: PtqSearchSpaceInput } } | undefined;
  if (!search) return ptqTrials(effective)[0];
  const space = resolveSpace(search.with.space);
  return toTrialConfig(space, baseAssignment(space));
}

export interface StrategyInputs {
  sensitivity: LayerSensitivityRow[];
  latency?: StrategyLatency;
}

/** Sensitivity of the first trial, then (with a latency table) FP32 and every strategy variant estimated in parallel. */
export async function gatherStrategyInputs(config: JobConfig, effective: JobConfig, model: ArtifactRef): Promise<StrategyInputs> {
  const g = config.Global;
  const input = inputPortOf(g);
  const trial = await ptqTrial({ model, calib: g.calibration_data, ptq: firstTrial(effective) as unknown as Record<string, unknown>, input });
  const { layers: sensitivity } = await measureSensitivity({
    model, quantized: trial.model, calib: g.calibration_data, input, batches: Math.min(SENSITIVITY_BATCHES, effective.QuantPost?.batch_num ?? SENSITIVITY_BATCHES),
  });
  const table = g.deploy.latency_table;
  if (!table) return { sensitivity };
  const { variants } = await buildStrategyVariants({ model, input, keepFloat: fallbackLayers(config, sensitivity) });
  const names = Object.keys(variants).sort() as CandidateStrategy[];
  const [fp32, ...rest] = await Promise.all([model, ...names.map((n) => variants[n])].map((m) => estimateLatency({ model: m, input, table })));
  const method = (r: (typeof rest)[number]) => ({ latencyMs: r.latencyMs, method: String((r.latency as { method?: string }).method) });
  return { sensitivity, latency: strategyLatency(method(fp32), Object.fromEntries(names.map((n, i) => [n, method(rest[i])]))) };
}
