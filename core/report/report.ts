import { accuracyDrop as dropAgainst, NEAR_TIE_RULE } from '../pipeline/select-best';
import type { CpuPlacement } from '../quant/cpu-placement';
import type { Candidate, NearTie } from '../pipeline/types';

/** A measured candidate model, as validateCandidate returns it. */
export type CandidateFigures = Candidate;

export interface SkippedStrategy {
  strategy: string;
  reason: string;
}

/** One candidate strategy as the automatic mode weighed it (core/search/strategy.ts StrategyEstimate). */
export interface StrategyRow {
  strategy: string;
  predictedMs: number | null;
  speedup: number | null;
  decision: 'run' | 'skip';
  reason: string;
}

/** One layer of the sensitivity run: output error of the first PTQ trial against FP32, most sensitive first. */
export interface SensitivityFigures {
  layer: string;
  tensor: string;
  mse: number;
  sqnr: number;
}

/** Version of report.json's layout: readers check it before they read the rest. */
export const REPORT_SCHEMA_VERSION = 2;

/** Where and when a report was made. The workflow sets the time and id; the writing activity adds the rest. */
export interface ReportMeta {
  schemaVersion: number;
  createdAt: string;
  workflowId: string;
  slimflowVersion?: string;
  /**
   * The CPU the job's latencies were measured on, and the quantization rules keyed on its features with
   * their reasons (each PTQ trial also records the rules of the worker that ran it).
   */
  cpu?: { model: string; flags: string[]; placement?: CpuPlacement };
  /** The job config as the job ran it. */
  config?: unknown;
}

export interface JobReport {
  meta?: ReportMeta;
  /** The metric the tolerance and the choice were judged in (the task's own, against labels or the teacher). */
  decidedBy?: string;
  model: string;
  task: string;
  threads: number;
  /** The first input's batch shape. */
  inputShape: number[];
  /** Every input's batch shape by name, for models with several inputs. */
  inputShapes?: Record<string, number[]>;
  baseline: CandidateFigures;
  best: CandidateFigures & { modelPath: string };
  /** FP32 after graph rewrites alone, timed beside the others: what quantization adds on top. */
  rewritten: CandidateFigures | null;
  /** The best INT8 candidate (the chosen model may be the FP32 rewrite when INT8 does not pay). */
  int8: CandidateFigures | null;
  int8Speedup: number | null;
  speedup: number;
  accuracyDrop: number | null;
  target: { maxAccuracyDrop: number; targetSpeedup: number; met: boolean };
  candidates: CandidateFigures[];
  skipped: SkippedStrategy[];
  /** Why the PTQ search ended (its budget spent, its space exhausted, a stop signal…), when a search ran. */
  searchStoppedBy?: string;
  /** Every candidate strategy, in run order, with its estimate and decision (automatic mode). */
  strategies?: StrategyRow[];
  /** Per-layer sensitivity, when measured. */
  sensitivity?: SensitivityFigures[];
  /** The distilled student of the training sections (QAT, pruning…), when training ran: its figures against FP32 and where it was written. */
  trained?: CandidateFigures & { modelPath: string; speedup: number; accuracyDrop: number | null; withinTolerance: boolean; timedWith: 'validation' | 'side by side' };
  /**
   * When training ran: the PTQ pick and the trained student timed side by side with FP32, and which
   * of the two the job chose (`best`). When the student won, `speedup` comes from this timing.
   */
  final?: { baselineMs: number; ptqPick: CandidateFigures; chose: 'trained' | 'ptq' };
}

/** "batch shape [8, 3, 48, 192]", or with several inputs "batch shapes input_ids [8, 128], attention_mask [8, 128]". */
export const batchShapes = (r: Pick<JobReport, 'inputShape' | 'inputShapes'>): string =>
  r.inputShapes ? `batch shapes ${Object.entries(r.inputShapes).map(([k, v]) => `${k} [${v.join(', ')}]`).join(', ')}` : `batch shape [${r.inputShape.join(', ')}]`;

/** Assemble the job report from the measured baseline and the chosen candidate. Pure. */
export function buildReport(args: {
  model: string;
  task: string;
  threads: number;
  inputShape: number[];
  inputShapes?: Record<string, number[]>;
  baseline: CandidateFigures;
  best: CandidateFigures;
  rewritten?: CandidateFigures | null;
  int8?: CandidateFigures | null;
  bestPath: string;
  candidates: CandidateFigures[];
  skipped: SkippedStrategy[];
  searchStoppedBy?: string;
  maxAccuracyDrop: number;
  targetSpeedup: number;
  strategies?: StrategyRow[];
  sensitivity?: SensitivityFigures[];
  trained?: (CandidateFigures & { modelPath: string }) | null;
  /** The trained student's contest for model.onnx (compileConfig's trainedTiming and final steps); null when training was skipped. */
  final?: { baseline: CandidateFigures; ptqPick: CandidateFigures; trained: CandidateFigures; best: CandidateFigures; bestPath: string } | null;
  /** When and by which workflow the report was made (the schema version is added here). */
  meta?: Omit<ReportMeta, 'schemaVersion'>;
}): JobReport {
  const f = args.final;
  if (f) {
    // A kept PTQ pick keeps the figures of the first timing, which the table shows; a winning student brings its contest's.
    const won = f.best.model.sha256 === f.trained.model.sha256 && f.best.model.sha256 !== f.ptqPick.model.sha256;
    const base = buildReport({ ...args, final: null, ...(won ? { best: f.best, bestPath: f.bestPath } : {}) });
    return { ...base, ...finalFigures(args, f, won, base) };
  }
  const speedup = args.baseline.latencyMs / args.best.latencyMs;
  const scored = typeof args.best.score === 'number' && typeof args.baseline.score === 'number';
  const accuracyDrop = scored ? args.baseline.score! - args.best.score!
    : args.baseline.accuracy != null && args.best.accuracy != null ? args.baseline.accuracy - args.best.accuracy : null;
  // The target is judged by the rule selectBest chose by, in the task's own metric.
  const dropForTarget = dropAgainst(args.best, args.baseline);
  return {
    ...(args.meta ? { meta: { schemaVersion: REPORT_SCHEMA_VERSION, ...args.meta } } : {}),
    decidedBy: decidingMetric(args.best),
    model: args.model,
    task: args.task,
    threads: args.threads,
    inputShape: args.inputShape,
    ...(args.inputShapes ? { inputShapes: args.inputShapes } : {}),
    baseline: args.baseline,
    best: { ...args.best, modelPath: args.bestPath },
    rewritten: args.rewritten ?? null,
    int8: args.int8 ?? null,
    int8Speedup: args.int8 ? args.baseline.latencyMs / args.int8.latencyMs : null,
    speedup,
    accuracyDrop,
    target: {
      maxAccuracyDrop: args.maxAccuracyDrop,
      targetSpeedup: args.targetSpeedup,
      met: dropForTarget <= args.maxAccuracyDrop && speedup >= args.targetSpeedup,
    },
    candidates: args.candidates,
    skipped: args.skipped,
    ...(args.searchStoppedBy ? { searchStoppedBy: args.searchStoppedBy } : {}),
    ...(args.strategies ? { strategies: args.strategies } : {}),
    ...(args.sensitivity?.length ? { sensitivity: args.sensitivity } : {}),
    ...(args.trained ? { trained: trainedFigures(args.baseline, args.trained, args.maxAccuracyDrop, 'validation') } : {}),
  };
}

/** What a candidate was judged by: its task metric, else accuracy on labels, else top-1 agreement with the teacher. */
function decidingMetric(c: CandidateFigures): string {
  if (typeof c.score === 'number') return c.metric ?? 'task metric';
  return c.accuracy != null ? 'accuracy (labels)' : 'top-1 agreement with the teacher';
}

/**
 * The strategy of the model the job chose, for the SlimflowStrategy search attribute: the FP32
 * rewrite or a trained student can win over the planned PTQ strategy.
 */
export function chosenStrategy(r: JobReport, planned: string): string {
  if (r.final?.chose === 'trained') return `trained: ${r.trained?.label ?? 'student'}`;
  if (r.rewritten && r.best.model.sha256 === r.rewritten.model.sha256) return 'fp32-rewrite';
  return planned;
}

/** A trained student's figures against the FP32 baseline, from its validation or from the side-by-side timing. */
function trainedFigures(
  baseline: CandidateFigures, t: CandidateFigures & { modelPath: string }, maxAccuracyDrop: number, timedWith: 'validation' | 'side by side',
): NonNullable<JobReport['trained']> {
  const accuracyDrop = typeof t.score === 'number' && typeof baseline.score === 'number' ? baseline.score - t.score
    : baseline.accuracy != null && t.accuracy != null ? baseline.accuracy - t.accuracy : null;
  return { ...t, speedup: baseline.latencyMs / t.latencyMs, accuracyDrop, withinTolerance: dropAgainst(t, baseline) <= maxAccuracyDrop, timedWith };
}

/**
 * The contest's figures: the student's speedup always comes from the contest's own timing (FP32, the PTQ
 * pick and the student side by side; the first timing never saw the student), and so does the chosen
 * model's when the student won.
 */
function finalFigures(
  args: Parameters<typeof buildReport>[0], f: NonNullable<Parameters<typeof buildReport>[0]['final']>, won: boolean, base: JobReport,
): Partial<JobReport> {
  const speedup = won ? f.baseline.latencyMs / f.best.latencyMs : base.speedup;
  const dropForTarget = dropAgainst(base.best, args.baseline);
  return {
    speedup,
    target: { ...base.target, met: dropForTarget <= args.maxAccuracyDrop && speedup >= args.targetSpeedup },
    trained: trainedFigures(f.baseline, { ...f.trained, modelPath: args.trained?.modelPath ?? '' }, args.maxAccuracyDrop, 'side by side'),
    final: { baselineMs: f.baseline.latencyMs, ptqPick: f.ptqPick, chose: won ? 'trained' : 'ptq' },
  };
}

/** What the near-tie rule did for a choice, in one sentence (the CLI summary and the report page). */
export function nearTieLine(t: NearTie): string {
  const ms = (v: number) => `${v.toFixed(3)} ms`;
  if (t.decided) {
    return `near-tie: ${t.contenders.join(', ')} within the measured noise of the fastest (${t.fastest}; the runner-up ${ms(t.gapMs!)} slower, noise margin ${ms(t.marginMs!)}), so the rule chose ${t.chosen}: ${NEAR_TIE_RULE}.`;
  }
  const runner = t.runnerUp !== undefined ? `the runner-up ${t.runnerUp} was ${ms(t.gapMs!)} slower, beyond the noise margin ${ms(t.marginMs!)}` : 'no other candidate was within tolerance';
  return `near-tie rule not needed: latency decided (${runner}).`;
}

const pct = (v: number | null) => (v == null ? 'n/a' : `${v.toFixed(2)}`);
const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

/** The report as a few lines a person reads in a terminal. */
export function formatReport(r: JobReport): string {
  const row = (label: string, c: CandidateFigures) => [
    `${label}${c.model.sha256 === r.best.model.sha256 ? ' *' : ''}`,
    pct(c.accuracy), pct(c.agreement), c.cosine.toFixed(4), c.latencyMs.toFixed(2), kib(c.sizeBytes),
  ];
  const rows = [
    ['', 'accuracy', 'agreement', 'cosine', 'latency (ms)', 'size'],
    row('FP32', r.baseline),
    ...(r.rewritten ? [row(r.rewritten.label, r.rewritten)] : []),
    ...r.candidates.map((c) => row(c.label, c)),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((cells) => cells[c].length)));
  const table = rows.map((cells) => cells.map((cell, c) => cell.padStart(widths[c])).join('  ')).join('\n');
  const rewrites = r.rewritten ? `, graph rewrites alone ${(r.baseline.latencyMs / r.rewritten.latencyMs).toFixed(2)}x` : '';
  const int8 = r.int8Speedup != null ? `, best INT8 ${r.int8Speedup.toFixed(2)}x` : '';
  return [
    `slimflow report: ${r.model}`,
    `task ${r.task}, ${batchShapes(r)}, ${r.threads} thread(s)`,
    table,
    '* chosen: the fastest within the accuracy tolerance. Latencies: medians of interleaved runs, every model timed side by side.',
    ...(r.best.selection ? [nearTieLine(r.best.selection)] : []),
    `speedup ${r.speedup.toFixed(2)}x (chosen${int8}${rewrites}), accuracy drop ${r.accuracyDrop == null ? 'n/a' : `${r.accuracyDrop.toFixed(2)} points`}, ` +
      `target (drop <= ${r.target.maxAccuracyDrop}, speedup >= ${r.target.targetSpeedup}) ${r.target.met ? 'met' : 'NOT met'}`,
    `compressed model: ${r.best.modelPath}`,
    // report.json and report.html are written beside the published model.
    `report: ${r.best.modelPath.replace(/[^/\\]*$/, 'report.html')} (figures: report.json beside it)`,
    ...(r.searchStoppedBy ? [`PTQ search ended: ${r.searchStoppedBy}`] : []),
    ...(r.trained ? [`trained (${r.trained.label})${r.final?.chose === 'trained' ? ' *' : ''}: accuracy ${pct(r.trained.accuracy)}, agreement ${pct(r.trained.agreement)}, drop ${r.trained.accuracyDrop == null ? 'n/a' : r.trained.accuracyDrop.toFixed(2)} (${r.trained.withinTolerance ? 'within' : 'NOT within'} tolerance), ${r.trained.latencyMs.toFixed(2)} ms ${r.trained.timedWith === 'validation' ? 'in validation' : 'side by side'}: ${r.trained.modelPath}`] : []),
    ...(r.final ? [`trained student against the PTQ pick (${r.final.ptqPick.label}), timed side by side with FP32 at ${r.final.baselineMs.toFixed(2)} ms: ${r.final.ptqPick.latencyMs.toFixed(2)} vs ${r.trained!.latencyMs.toFixed(2)} ms; chosen: ${r.final.chose === 'trained' ? 'the trained student' : 'the PTQ pick'}`] : []),
    ...r.skipped.map((s) => `skipped ${s.strategy}: ${s.reason}`),
  ].join('\n');
}

/** SIMD flags worth a reader's attention in a report (the full cpuinfo list runs to a hundred). */
const REPORTED_FLAGS = /^(sse4_2|avx|avx2|fma|f16c|avx512\w*|avx_vnni|amx\w*)$/;

/** The report as report.json records it: its meta completed with what only the writing machine knows. */
export function withWriterMeta(r: JobReport, writer: { slimflowVersion: string; cpu: { model: string; flags: string[]; placement?: CpuPlacement }; config?: unknown }): JobReport {
  const meta: ReportMeta = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    createdAt: r.meta?.createdAt ?? new Date().toISOString(),
    workflowId: r.meta?.workflowId ?? '',
    ...r.meta,
    slimflowVersion: writer.slimflowVersion,
    cpu: { model: writer.cpu.model, flags: writer.cpu.flags.filter((f) => REPORTED_FLAGS.test(f)), ...(writer.cpu.placement ? { placement: writer.cpu.placement } : {}) },
    ...(writer.config !== undefined ? { config: writer.config } : {}),
  };
  const { meta: _recorded, ...rest } = r;
  // meta first, so a reader of report.json sees the schema version before anything else.
  return { meta, ...rest };
}
