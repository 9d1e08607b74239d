// The automatic mode's decision: which compression strategies to try for one model on one target,
// in which order, and which to skip and why. A pure function of (config, analysis, latency
// estimates) so the workflow can call it and tests can pin it down.
//
// Rules, in order:
// 1. Candidates: INT8, INT8 with float fallbacks (the most sensitive layers kept in float),
//    channel-pruned 25% / 50% + INT8, 2:4 sparsity, unstructured sparsity.
// 2. Speed: with predicted latencies (estimateLatency on a latency table), a candidate whose
//    predicted speedup falls short of deploy.target_speedup is dropped, saying by how much.
//    Sparsity without predictions: onnxruntime's CPU kernels exploit neither 2:4 nor unstructured
//    zeros, so their speedup is taken as 1.
// 3. Training: pruning and sparsity need training to recover; the automatic mode does not start them
//    on its own (they run when the config has their section), so they are listed as skipped with
//    that reason; the ones left run fastest-predicted first. A config's training section compiles to
//    trainStrategy, run only when the best INT8 candidate misses the tolerance.
// 4. Float fallbacks: with per-layer sensitivity measured, the search may keep the k most sensitive
//    layers in float (HyperParameterOptimization.keep_float, default 0–2), unless the float-fallback
//    strategy was dropped for speed, in which case every trial is fully INT8.
// 5. Latency constraint: with a latency table and a speed target, each search trial's latency is
//    predicted and trials slower than fp32 / target are infeasible.
// 6. Accuracy: PTQ starts with a tester (the QuantPost trial alone), then spends its budget whatever
//    the tester scored (another calibrator, placement or float fallback may be faster or closer),
//    every calibrator first. Once each calibrator and float fallback was tried and the closest trial
//    still misses the tolerance by more than closeDrop points, it stops and the run records that only
//    QAT/distillation could reach the accuracy target (see core/search/stopping).
// 7. Transformers: a dynamic-quantization candidate beside the static trials (dynamic-candidate.ts).
// 8. Transformers: whether attention's activation × activation MatMuls (QKᵀ, AV) run integer is a
//    search dimension, unless QuantPost.quantize_act_matmul fixes it (core/quant/act-matmul.ts).
import type { GraphAnalysis } from '../onnx/analysis';
import { configBatchSize } from '../config/feed-request';
import type { JobConfig } from '../config/schema';
import type { PipelineDocument } from '../pipeline/schema';
import { CompileOptions, compileConfig, trainingConfigs } from '../config/compile';
import { DEFAULT_QUANT_OP_TYPES } from '../config/quant-defaults';
import { quantPostDefaults } from '../components/ptq-params';
import { SlimflowError } from '../errors';
import type { SkippedStrategy } from '../report/report';
import { withDynamicCandidate } from './dynamic-candidate';

export type { SkippedStrategy };

export const CANDIDATE_STRATEGIES = ['int8', 'int8-float-fallback', 'channel-prune-25-int8', 'channel-prune-50-int8', 'sparse-2:4', 'sparse-unstructured'] as const;
export type CandidateStrategy = (typeof CANDIDATE_STRATEGIES)[number];

/** Predicted latencies of the FP32 model and of each candidate's variant on the deploy target. */
export interface StrategyLatency {
  fp32Ms: number;
  byStrategy: Partial<Record<CandidateStrategy, number>>;
  method: 'predicted' | 'measured';
}

/** One candidate strategy with its estimate and the decision about it. */
export interface StrategyEstimate {
  strategy: CandidateStrategy;
  predictedMs: number | null;
  speedup: number | null;
  decision: 'run' | 'skip';
  reason: string;
}

/** One layer's measured sensitivity, as the plan needs it (most sensitive first). */
export interface SensitiveLayer {
  layer: string;
}

/** How many sensitive layers the search may keep in float when the config does not say. */
export const DEFAULT_KEEP_FLOAT = [0, 1, 2];

export interface AutoPlan {
  pipeline: PipelineDocument;
  strategy: string;
  skipped: SkippedStrategy[];
  /** Every candidate strategy, in the order they would run, with its estimate and decision. */
  estimates: StrategyEstimate[];
}

const LABELS: Record<CandidateStrategy, string> = {
  int8: 'INT8 PTQ',
  'int8-float-fallback': 'INT8 PTQ with float fallbacks',
  'channel-prune-25-int8': 'channel pruning 25% + INT8',
  'channel-prune-50-int8': 'channel pruning 50% + INT8',
  'sparse-2:4': '2:4 sparsity',
  'sparse-unstructured': 'unstructured sparsity',
};

// Strategies that need training to recover accuracy; the automatic mode leaves them to an explicit config section.
const NEEDS_TRAINING = new Set<CandidateStrategy>(['channel-prune-25-int8', 'channel-prune-50-int8', 'sparse-2:4', 'sparse-unstructured']);
// No onnxruntime CPU kernel exploits these zeros: without a prediction, they give no speedup.
const NO_CPU_KERNELS = new Set<CandidateStrategy>(['sparse-2:4', 'sparse-unstructured']);

/** How far (in points of accuracy drop) the closest trial may miss before PTQ is judged unable to close the gap. */
export const closeDrop = (maxAccuracyDrop: number): number => Math.max(3 * maxAccuracyDrop, maxAccuracyDrop + 2);

/** Estimate and decide every candidate strategy (rules 1–3 above), in run order. */
export function rankStrategies(targetSpeedup: number, latency?: StrategyLatency): StrategyEstimate[] {
  const out = CANDIDATE_STRATEGIES.map((strategy): StrategyEstimate => {
    const ms = latency?.byStrategy[strategy];
    const speedup = ms && latency ? latency.fp32Ms / ms : NO_CPU_KERNELS.has(strategy) ? 1 : null;
    const predictedMs = ms ?? (speedup !== null && latency ? latency.fp32Ms / speedup : null);
    const short = targetSpeedup > 0 && speedup !== null && speedup < targetSpeedup;
    const fig = speedup !== null ? `${speedup.toFixed(2)}x${ms ? ` (${latency!.method})` : ' (no CPU kernels)'}` : 'not estimated (no latency table)';
    if (short) return { strategy, predictedMs, speedup, decision: 'skip', reason: `cannot reach the ${targetSpeedup}x target: ${fig}` };
    if (NEEDS_TRAINING.has(strategy)) return { strategy, predictedMs, speedup, decision: 'skip', reason: `needs training to recover accuracy, which the automatic mode does not start on its own (a ChannelPrune, ASPPrune or UnstructurePrune section trains the variant it configures); speedup ${fig}` };
    return { strategy, predictedMs, speedup, decision: 'run', reason: `speedup ${fig}` };
  });
  // Runnable first, fastest-predicted first; unestimated after estimated; ties keep the list order.
  const key = (e: StrategyEstimate) => [e.decision === 'run' ? 0 : 1, e.speedup === null ? 1 : 0, -(e.speedup ?? 0)];
  return out
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const ka = key(a.e), kb = key(b.e);
      for (let j = 0; j < ka.length; j++) if (ka[j] !== kb[j]) return ka[j] - kb[j];
      return a.i - b.i;
    })
    .map(({ e }) => e);
}

/** The float-kept layers of the float-fallback strategy's latency variant: as many as the search may keep, most sensitive first. */
export function fallbackLayers(config: JobConfig, sensitivity: SensitiveLayer[]): string[] {
  const k = Math.max(0, ...(config.HyperParameterOptimization?.keep_float ?? DEFAULT_KEEP_FLOAT));
  return sensitivity.slice(0, k).map((s) => s.layer);
}

/** Strategy latencies from estimateLatency results: FP32 and each variant built (a variant missing is not estimated). */
export function strategyLatency(fp32: { latencyMs: number; method: string }, variants: Partial<Record<CandidateStrategy, { latencyMs: number; method: string }>>): StrategyLatency {
  const all = [fp32, ...Object.values(variants)];
  return {
    fp32Ms: fp32.latencyMs,
    byStrategy: Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, v!.latencyMs])),
    method: all.every((v) => v!.method === 'predicted') ? 'predicted' : 'measured',
  };
}

/** The config with QuantPost's defaults and only the op types the model has (what the tester trial runs). */
export function effectiveConfig(config: JobConfig, analysis: GraphAnalysis): JobConfig {
  const present = new Set(analysis.quantizableLayers.map((l) => l.opType));
  if (present.size === 0) {
    throw new SlimflowError('NOT_SUPPORTED', 'the model has no quantizable layer (Conv, ConvTranspose, MatMul or Gemm with constant weights)', config.Global.model);
  }
  // Quantize only op types the model has, so the plan shows what will really change.
  const opTypes = (config.QuantPost?.quantize_op_types ?? DEFAULT_QUANT_OP_TYPES).filter((t) => present.has(t));
  // A config without QuantPost gets the schema's defaults for the keys the compiler reads (the rest stay absent).
  // The declared trial parameters' defaults (core/components/ptq-params.ts), then the job's own keys.
  const quantPost = {
    ...quantPostDefaults(),
    batch_size: configBatchSize(config.Global), activation_bits: 8, weight_bits: 8, skip_tensor_list: [], onnx_format: true,
    ...config.QuantPost,
    quantize_op_types: opTypes,
  } as NonNullable<JobConfig['QuantPost']>;
  return {
    ...config,
    QuantPost: quantPost,
  };
}

/**
 * The automatic mode's plan: a pure function of (config, analysis, latency estimates, per-layer
 * sensitivity) so the workflow can call it. PTQ runs (a search with a tester when the config has
 * HyperParameterOptimization); every other strategy is reported as skipped with its reason.
 */
/** Options of the automatic plan: the compile options, and rules that recorded histories ran without. */
export interface PlanOptions extends CompileOptions {
  /** Transformers also get a dynamic-quantization candidate (rule 7). Default false: histories before it. */
  dynamicCandidate?: boolean;
  /** Transformers search act × act MatMuls integer or float (rule 8). Default false: plans before it. */
  actMatMulSearch?: boolean;
}

export function planAutoCompress(config: JobConfig, analysis: GraphAnalysis, latency?: StrategyLatency, sensitivity?: SensitiveLayer[], compile: PlanOptions = {}): AutoPlan {
  const effective = effectiveConfig(config, analysis);
  const target = config.Global.deploy.target_speedup;
  const estimates = rankStrategies(target, latency);
  const int8 = estimates.find((e) => e.strategy === 'int8')!;
  if (int8.decision === 'skip') {
    throw new SlimflowError('NOT_SUPPORTED', `no strategy that slimflow can run reaches the target: INT8 ${int8.reason}`, 'Global.deploy.target_speedup');
  }
  const fallback = estimates.find((e) => e.strategy === 'int8-float-fallback')!;
  const hpo = config.HyperParameterOptimization;
  const skipped: SkippedStrategy[] = [
    ...(trainingConfigs(config).length ? [] : [{ strategy: 'QAT with distillation', reason: 'runs only when the config has a training section (QuantAware, UnstructurePrune, ChannelPrune, ASPPrune or TrainConfig) and INT8 misses the tolerance' }]),
    ...(latency ? [] : [{
      strategy: 'latency-based strategy choice',
      reason: config.Global.deploy.latency_table
        ? `not estimated in this plan (the autoCompress job predicts each strategy with ${config.Global.deploy.latency_table}): no strategy was dropped for speed here`
        : 'no latency table configured (Global.deploy.latency_table, or SLIMFLOW_LATENCY_TABLE on the worker; `slimflow profile` builds one): no strategy was estimated or dropped for speed',
    }]),
    ...estimates.filter((e) => e.decision === 'skip').map((e) => ({ strategy: LABELS[e.strategy], reason: e.reason })),
    ...(hpo && !sensitivity?.length ? [{ strategy: 'float fallbacks in the search', reason: 'per-layer sensitivity was not measured, so the search keeps no layer in float' }] : []),
  ];
  const pipeline = compileConfig(effective, `auto-${analysis.family}`, compile);
  // autoCompress has analysed the model already; the generated pipeline starts after that.
  const { analyze: _analyzed, ...steps } = pipeline.steps;
  for (const step of Object.values(steps) as Array<{ needs?: string[] }>) {
    if (step.needs) step.needs = step.needs.filter((n) => n !== 'analyze');
    if (step.needs?.length === 0) delete step.needs;
  }
  // The search starts with the QuantPost trial as its tester (rule 6).
  const search = steps.search as unknown as { with: Record<string, unknown> & { space: Record<string, unknown> } } | undefined;
  if (search) {
    search.with.tester = { closeDrop: closeDrop(config.Global.deploy.max_accuracy_drop) };
    // Rule 4: float fallbacks from the measured sensitivity, unless that strategy is too slow.
    if (sensitivity?.length && fallback.decision === 'run') {
      const keep = hpo?.keep_float ?? DEFAULT_KEEP_FLOAT;
      search.with.space.keep_float = keep;
      search.with.space.sensitiveLayers = sensitivity.slice(0, Math.max(0, ...keep)).map((s) => s.layer);
    } else {
      delete search.with.space.keep_float;
    }
    // Rule 8: attention's QKᵀ/AV integer or float, searched for a transformer unless the config fixes it.
    if (compile.actMatMulSearch && analysis.family === 'transformer' && config.QuantPost?.quantize_act_matmul === undefined) {
      search.with.space.act_matmul = [false, true];
    }
    // Rule 5: a predicted latency constraint on every trial.
    if (latency?.method === 'predicted' && target > 0 && config.Global.deploy.latency_table) {
      search.with.latencyTable = config.Global.deploy.latency_table;
      search.with.latencyTargetMs = latency.fp32Ms / target;
    }
  }
  // Rule 7: transformers also try dynamic quantization (see dynamic-candidate.ts).
  const dynamic = !!compile.dynamicCandidate && analysis.family === 'transformer';
  const planned = dynamic ? withDynamicCandidate(steps, effective, effective.Global.eval_data ? 'inputs.eval' : 'inputs.calib') : steps;
  return { pipeline: { ...pipeline, steps: planned as typeof steps }, strategy: search ? 'ptq-int8-search' : 'ptq-int8', skipped, estimates };
}
