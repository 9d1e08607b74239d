// ptqSearch: the surrogate-guided PTQ search as a child workflow. It decides, activities compute:
// each batch the searcher proposes runs as ptqTrial + validateCandidate activities in parallel, so
// every worker on the task queue takes a share. The searcher is pure and seeded and sees results in
// batch order (never completion order), so a replay, a worker crash or a server restart proposes
// the same trials and ends at the same best. Results are keyed by ptqTrial's hash: a trial the
// history already holds is never counted again (and the activity itself never recomputes one).
import {
  ActivityCancellationType, ApplicationFailure, CancellationScope, condition, continueAsNew, defineQuery, defineSignal, defineUpdate,
  isCancellation, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { described } from './handler-docs';
import type { PtqTrialConfig } from '../core/config/compile';
import type { ArtifactRef, Candidate, DatasetSpec } from '../core/pipeline/types';
import { LabelFreeObjective, objectiveOf, ObjectiveOptions } from '../core/search/objective';
import { Observation, SearchStrategy, Searcher } from '../core/search/searcher';
import { searcherStopReason, stoppedBySignal, stopReason } from '../core/search/stopping';
import { testerVerdict } from '../core/search/tester';
import {
  Assignment, assignmentKey, baseAssignment, resolveSpace, SearchSpace, SpaceInput, spaceSize, toTrialConfig,
} from '../core/search/space';
import { SlimflowSearchAttributes } from '../workers/search-attributes';
import type { ChildControl } from './run-pipeline';
import type { StageActivities } from './stage-activities';
import { TIMEOUT_PRESETS } from './timeouts';

/** The space as a pipeline or autoCompress gives it: a list of values per declared trial parameter, the sensitive layers, and the base trial. */
export type PtqSearchSpaceInput = SpaceInput;

/** One finished trial as the search keeps it (small: it travels through continue-as-new). */
export interface TrialRecord {
  /** ptqTrial's hash of (model, data, config); `failed:<assignment>` when the trial failed. */
  key: string;
  assignment: Assignment;
  value: number | null;
  score: number | null;
  feasible: boolean;
  candidate?: Candidate;
  error?: string;
}

export interface PtqSearchInput {
  model: ArtifactRef;
  calib: DatasetSpec;
  eval: DatasetSpec;
  teacher: ArtifactRef;
  space?: PtqSearchSpaceInput;
  /** Trials in all (ACT's max_quant_count; default 20). */
  budget?: number;
  /** The feed ({ name, shape, threads, task }) as ptqTrial and validateCandidate take it. */
  input?: unknown;
  baseline?: Candidate | null;
  /** Largest accuracy drop in points (default 1). */
  tolerance?: number;
  /** Latency target; with latencyTable each trial's latency is predicted, else validateCandidate's measure is used. */
  latencyTargetMs?: number;
  latencyTable?: string;
  /** What a trial is scored by when the eval set has no labels (default agreement; see core/search/objective). */
  objective?: LabelFreeObjective;
  seed?: number;
  strategy?: SearchStrategy;
  /** Trials per batch, run in parallel (default 4). */
  parallel?: number;
  initial?: number;
  patience?: number;
  /** The model's name for the SlimflowModel search attribute (default: the artifact's file name). */
  modelName?: string;
  /** Continue-as-new after this many trials in one run (default 32). */
  trialsPerRun?: number;
  /**
   * Run the base trial alone first (ACT's "tester"). The search goes on whatever it scores; once
   * every calibrator and float fallback was tried and the closest trial still misses the tolerance by
   * more than closeDrop points, it stops (only QAT/distillation could close the gap; see
   * core/search/stopping). Searches recorded before that stopped on the tester's own verdict.
   */
  tester?: { closeDrop: number };
  /** The parent's stop/pause state when it started this search (see ChildControl in run-pipeline.ts), read before the first batch. */
  control?: ChildControl;
  /** Carried across continue-as-new: every trial so far and the run number. */
  carry?: { trials: TrialRecord[]; run: number; paused: boolean };
}

export interface PtqSearchResult {
  best: Candidate;
  trials: Candidate[];
  bestConfig: PtqTrialConfig;
  /** Why the search ended, as a sentence: "budget spent (10 of 10)", "search space exhausted (6 distinct trials)", "stopped by signal (…)"… */
  stoppedBy: string;
  trialsRun: number;
  runs: number;
}

export interface PtqSearchProgress {
  stage: string;
  percent: number;
  best?: { label: string; accuracy: number | null; agreement: number; latencyMs: number; score: number };
  steps: Record<string, { status: 'running' | 'succeeded'; done: number; total: number }>;
  search: { trials: number; failed: number; budget: number; gridSize: number; run: number; paused: boolean; stoppedBy?: string; strategy: SearchStrategy };
}

export const searchProgressQuery = defineQuery<PtqSearchProgress>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Stop after the trials now running are cancelled; the best so far is the result. */
export const stopSignal = defineSignal('stop');
/** Like the stop signal, but answers with the best candidate so far. */
export const stopNowUpdate = defineUpdate<Candidate | null>('stopNow');

/** Dimensions whose every value the first proposals cover: the calibrators, then the other Q/DQ placement. */
const COVERED = ['ptq_algo', 'placement'];

/** The patch behind which the search spends its budget (no tester stop, calibrators covered first, stop reasons as sentences). */
export const SPENDS_BUDGET_PATCH = 'search-spends-budget';
/** The patch behind which trials are scored and accepted by their task metric (`score`), as selectBest judges them. */
export const TASK_METRIC_PATCH = 'search-task-metric';

// Bounds the carried history: a compact TrialRecord is ~0.5 KB, so this stays far below the
// 512 KiB payload warning even at the largest budget.
const MAX_BUDGET = 500;

/** The search space from the input, with the declared defaults for the base trial (core/search/space.ts). */
export { resolveSpace };

const compact = (c: Candidate): Candidate => ({
  label: c.label, model: c.model, accuracy: c.accuracy, agreement: c.agreement, cosine: c.cosine, ...(c.emd !== undefined ? { emd: c.emd } : {}),
  // The task metric decides acceptance downstream (selectBest): a trial must carry it.
  ...(c.score !== undefined ? { score: c.score } : {}), ...(c.metric !== undefined ? { metric: c.metric } : {}), ...(c.inputShapes ? { inputShapes: c.inputShapes } : {}),
  latencyMs: c.latencyMs, sizeBytes: c.sizeBytes,
});

const baseName = (uri: string) => uri.split(/[\\/]/).pop()!.replace(/\.onnx$/, '');

/** Search PTQ configurations with a seeded surrogate; returns the best candidate and every trial's. */
export async function ptqSearch(input: PtqSearchInput): Promise<PtqSearchResult> {
  // Searches recorded before it stopped on the tester's verdict and knew no coverage rule.
  const spendsBudget = patched(SPENDS_BUDGET_PATCH);
  // Searches recorded before it scored trials by agreement (or accuracy) even when they carried a task metric.
  const taskScore = patched(TASK_METRIC_PATCH);
  const space = resolveSpace(input.space);
  const budget = Math.min(input.budget ?? 20, MAX_BUDGET);
  const strategy = input.strategy ?? 'surrogate';
  const parallel = Math.max(1, input.parallel ?? 4);
  const perRun = Math.max(parallel, input.trialsPerRun ?? 32);
  const run = input.carry?.run ?? 0;
  const trials: TrialRecord[] = [...(input.carry?.trials ?? [])];
  const known = new Set(trials.map((t) => t.key));
  const searcher = new Searcher(space, {
    seed: input.seed ?? 0, budget, batchSize: parallel, strategy, initial: input.initial, patience: input.patience, ...(spendsBudget ? { cover: COVERED } : {}),
  }, trials.map(toObservation));
  const objective: ObjectiveOptions = { baseline: input.baseline, tolerance: input.tolerance, latencyTargetMs: input.latencyTargetMs, objective: input.objective, taskScore };
  const gridSize = spaceSize(space);

  // A stop or pause the parent had before this child started holds from the start (a stop still runs the first batch: it keeps the best so far).
  let paused = input.carry?.paused ?? input.control?.paused ?? false;
  let stopRequested = input.control?.stopped ?? false;
  let stoppedBy: string | undefined;
  let signalled = false;
  let running = 0;
  let batchScope: CancellationScope | undefined;
  const bestRecord = () => {
    const b = searcher.best();
    return b ? trials.find((t) => t.key === b.key) : undefined;
  };
  const status = () => (stoppedBy ? (signalled ? 'stopped' : 'done') : paused ? 'paused' : 'running');
  const finished = () => trials.some((t) => t.candidate);
  const requestStop = () => {
    stopRequested = true;
    // Stop keeps the best so far; before any trial has finished there is none, so the running
    // batch (or the first one) completes and the search stops after it.
    if (finished()) batchScope?.cancel();
  };

  setHandler(pauseSignal, () => { paused = true; }, described('pause'));
  setHandler(resumeSignal, () => { paused = false; }, described('resume'));
  setHandler(stopSignal, requestStop, described('stop'));
  setHandler(stopNowUpdate, () => {
    requestStop();
    return bestRecord()?.candidate ?? null;
  }, described('stopNow'));
  setHandler(searchProgressQuery, () => {
    const b = bestRecord();
    const done = trials.length;
    return {
      // "pausing" while the batch started before the pause still runs; "paused" once nothing runs.
      stage: stoppedBy ? 'done' : paused ? (running > 0 ? 'pausing' : 'paused') : running > 0 ? `ptqTrial × ${running}` : 'proposing',
      percent: Math.round((100 * Math.min(done, budget)) / budget),
      ...(b?.candidate ? { best: { label: b.candidate.label, accuracy: b.candidate.accuracy, agreement: b.candidate.agreement, latencyMs: b.candidate.latencyMs, score: b.score! } } : {}),
      steps: { search: { status: stoppedBy ? 'succeeded' : 'running', done, total: budget } },
      search: { trials: done, failed: trials.filter((t) => t.value === null).length, budget, gridSize, run, paused, strategy, ...(stoppedBy ? { stoppedBy } : {}) },
    };
  }, described('progress'));

  const publish = () => {
    const b = bestRecord();
    upsertSearchAttributes([
      { key: SlimflowSearchAttributes.status, value: `search-${status()}` },
      ...(b?.score !== null && b?.score !== undefined ? [{ key: SlimflowSearchAttributes.bestScore, value: b.score }] : []),
    ]);
  };
  upsertSearchAttributes([
    { key: SlimflowSearchAttributes.model, value: input.modelName ?? baseName(input.model.uri) },
    { key: SlimflowSearchAttributes.strategy, value: `ptq-search:${strategy}` },
  ]);
  publish();

  // Why to stop now, or undefined to go on (the rules of core/search/stopping).
  const whyStop = (): string | undefined => {
    if (stopRequested && finished()) {
      signalled = true;
      return spendsBudget ? stoppedBySignal(trials.length, budget) : 'stopped';
    }
    if (!spendsBudget) return searcher.shouldStop();
    return stopReason({ space, searcher, trials, best: bestRecord(), budget, patience: input.patience, objective, closeDrop: input.tester?.closeDrop });
  };

  let thisRun = 0;
  for (;;) {
    stoppedBy = whyStop();
    if (stoppedBy) break;
    // A stop overrides a pause (it still needs its first finished trial, see requestStop).
    if (paused && !stopRequested) {
      publish();
      await condition(() => !paused || stopRequested);
      publish();
      continue;
    }
    if (thisRun >= perRun || workflowInfo().continueAsNewSuggested) {
      // Bounded history: the next run starts with the trials so far as its whole state.
      await continueAsNew<typeof ptqSearch>({ ...input, carry: { trials, run: run + 1, paused } });
    }
    const testing = input.tester !== undefined && trials.length === 0;
    const batch = testing ? [baseAssignment(space)] : searcher.suggest(Math.min(parallel, perRun - thisRun));
    if (batch.length === 0) {
      stoppedBy = spendsBudget ? searcherStopReason('space exhausted', { trials: trials.length, budget }) : 'space exhausted';
      break;
    }
    const first = trials.length;
    running = batch.length;
    const scope = new CancellationScope();
    batchScope = scope;
    const settled = await scope.run(() => Promise.all(batch.map((a, i) => runTrial(input, space, a, first + i, objective))));
    batchScope = undefined;
    running = 0;
    // Batch order, not completion order: the searcher's next proposal must not depend on timing.
    const fresh: TrialRecord[] = [];
    const repeats: Assignment[] = [];
    for (const t of settled) {
      if (!t) continue;
      if (known.has(t.key)) { repeats.push(t.assignment); continue; }
      known.add(t.key);
      trials.push(t);
      fresh.push(t);
    }
    searcher.record(fresh.map(toObservation));
    // An assignment whose model an earlier trial already made is tried, not a new trial; searches
    // recorded before this re-proposed it, and a space of such twins never ended.
    if (repeats.length > 0 && patched('repeat-trials-tried')) searcher.markTried(repeats);
    thisRun += batch.length;
    publish();
    if (testing && fresh[0]?.candidate && !spendsBudget) {
      stoppedBy = testerVerdict(fresh[0].candidate, objective, input.tester!.closeDrop);
    }
    if (stoppedBy) break;
  }

  const b = bestRecord();
  publish();
  if (!b?.candidate) {
    throw ApplicationFailure.nonRetryable(`no PTQ trial succeeded (${trials.length} tried; first error: ${trials.find((t) => t.error)?.error ?? 'none run'})`, 'SEARCH_FAILED');
  }
  return {
    best: b.candidate,
    // Configs are rebuilt from assignments here rather than carried through continue-as-new.
    trials: trials.filter((t) => t.candidate).map((t) => ({ ...t.candidate!, config: toTrialConfig(space, t.assignment) })),
    bestConfig: toTrialConfig(space, b.assignment),
    stoppedBy: stoppedBy!,
    trialsRun: trials.length,
    runs: run + 1,
  };
}

const toObservation = (t: TrialRecord): Observation => ({ key: t.key, assignment: t.assignment, value: t.value, feasible: t.feasible });

/** One trial: quantize, validate (and predict latency when a table is given); null when cancelled by a stop. */
async function runTrial(input: PtqSearchInput, space: SearchSpace, a: Assignment, index: number, objective: ObjectiveOptions): Promise<TrialRecord | null> {
  const config = toTrialConfig(space, a);
  // Activity ids name the trial, so histories and the UI show which trial an activity belongs to.
  // Waiting for a cancelled trial to report back keeps the workflow open until no activity of
  // it is running: a stop then never races a late activity completion (that race fails the
  // closing workflow task, and with it the stopNow update that caused it).
  const acts = (suffix: string) => proxyActivities<StageActivities>({
    ...TIMEOUT_PRESETS.long, activityId: `trial-${index}-${suffix}`, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  try {
    const t = await acts('ptq').ptqTrial({ model: input.model, calib: input.calib, ptq: config as unknown as Record<string, unknown>, input: input.input });
    const v = await acts('validate').validateCandidate({ model: t.model, teacher: input.teacher, eval: input.eval, label: t.label, config, input: input.input });
    let candidate = compact(v.candidate);
    if (input.latencyTable) {
      const est = await acts('latency').estimateLatency({ model: t.model, input: input.input, table: input.latencyTable });
      candidate = { ...candidate, latencyMs: est.latencyMs };
    }
    const o = objectiveOf(candidate, objective);
    return { key: t.trialKey, assignment: a, value: o.value, score: o.score, feasible: o.feasible, candidate };
  } catch (e) {
    if (isCancellation(e)) return null;
    // A trial that fails for good (after the activity's retries) is recorded as failed: the
    // surrogate learns to avoid its region, and the search goes on.
    const msg = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    return { key: `failed:${assignmentKey(space, a)}`, assignment: a, value: null, score: null, feasible: false, error: msg };
  }
}
