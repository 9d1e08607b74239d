// runPipeline: the one generic workflow that interprets any valid pipeline DAG.
// Deterministic by construction: the pipeline is parsed and validated by an activity, compiled here (pure code), every
// stage is an activity (or a pure builtin), and each result lands in the history, so a replay
// rebuilds the same state without re-running a finished step.
import { ActivityFailure, ApplicationFailure, CancellationScope, defineQuery, executeChild, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SlimflowActivities } from '../activities';
import { described } from './handler-docs';
import {
  CompiledPipeline, initialState, loadPipeline, PipelineDocument, PipelineProgress, PipelineValidationError,
  progressOf, RunState, stageSpec, StepFailure, StepInstance,
} from '../core/pipeline';
import { SlimflowError } from '../core/errors';
import { interpretPipeline, PipelineResult } from './interpreter';
import type { StageActivities } from './stage-activities';
import { isActivityStage, STAGE_TIMEOUTS } from './stage-activities';
import { SHORT_IO, TIMEOUT_PRESETS } from './timeouts';

const { checkPipelineInput } = proxyActivities<SlimflowActivities>(SHORT_IO);

export interface RunPipelineInput {
  /** The pipeline as an object or as YAML/JSON text. */
  pipeline: PipelineDocument | string;
  /** Job inputs by pipeline input name; a model may be an ArtifactRef or a file path. */
  inputs: Record<string, unknown>;
  jobId?: string;
}

export type { PipelineResult, PipelineProgress };

/** Query: running steps, percent done, the best candidate so far, and every step's status. */
export const progressQuery = defineQuery<PipelineProgress>('progress');

type StageFn = (input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Catalog stages this worker runs as child workflows (by workflow type name). */
const CHILD_WORKFLOWS = new Set(['ptqSearch', 'trainStrategy']);

// One proxy per instance so the activity id is the instance key (`ptq[2]`): histories and the UI
// then say which step each activity belongs to.
/**
 * The parent's control state when a child starts (ptqSearch, trainStrategy take it as `control` in
 * their input and read it before their first batch or epoch): a stop or pause sent before the child
 * existed holds from its start, where a forwarded signal could arrive after its first batches.
 */
export interface ChildControl { stopped?: boolean; paused?: boolean }

/** The interpreter's runStage inside a workflow: the stage's activity under its timeout preset. */
export function runStageActivity(stage: string, input: Record<string, unknown>, inst: StepInstance, control?: () => ChildControl): Promise<Record<string, unknown>> {
  // Workflow stages run as children named after the parent and the instance, so a retried parent task finds the same child.
  if (stageSpec(stage)?.kind === 'workflow' && CHILD_WORKFLOWS.has(stage)) {
    const args = [control ? { ...input, control: control() } : input];
    return executeChild(stage, { args, workflowId: `${workflowInfo().workflowId}/${inst.key}` });
  }
  if (!isActivityStage(stage)) {
    throw ApplicationFailure.nonRetryable(`stage ${stage} has no activity in this workflow`, 'NOT_SUPPORTED');
  }
  const acts = proxyActivities<StageActivities>({ ...TIMEOUT_PRESETS[STAGE_TIMEOUTS[stage]], activityId: inst.key, summary: activitySummary(stage, inst.key, input) });
  return (acts[stage] as unknown as StageFn)(input);
}

/**
 * The one line the Temporal UI shows for an activity: step instance, stage and what sets it apart
 * (the candidate's label, a trial's calibrator), so four validateCandidate bars read differently.
 */
export function activitySummary(stage: string, key: string, input: Record<string, unknown>): string {
  const ptq = input.ptq as { calibrator?: unknown; placement?: unknown } | undefined;
  const what = typeof input.label === 'string' ? input.label
    : ptq && typeof ptq.calibrator === 'string' ? [ptq.calibrator, typeof ptq.placement === 'string' ? ptq.placement : ''].filter(Boolean).join(' ')
      : typeof input.file === 'string' ? input.file : '';
  return `${key} · ${stage}${what ? ` · ${what}` : ''}`;
}

const invalid = (e: SlimflowError) =>
  ApplicationFailure.nonRetryable(e.message, 'INVALID_PIPELINE', {
    errors: (e instanceof PipelineValidationError ? e.errors : [e]).map((x) => ({ message: x.message, path: x.path ?? null })),
  });

/** Validate and run a pipeline; fails once, non-retryably, on an invalid pipeline or a failed step. */
export async function runPipeline(input: RunPipelineInput): Promise<PipelineResult> {
  let cp: CompiledPipeline | undefined;
  let state: RunState | undefined;
  setHandler(progressQuery, () => (cp && state ? progressOf(cp, state) : { stage: 'checkPipelineInput', percent: 0, steps: {} }), described('progress'));
  let doc: unknown = input.pipeline;
  // Parsing and validation run in an activity: a YAML alias bomb inside a workflow task timed out
  // and was retried forever. Runs recorded before this patch parse here, as they did.
  if (patched('pipeline-checked-in-activity')) {
    try {
      doc = (await checkPipelineInput({ pipeline: input.pipeline })).document;
    } catch (e) {
      // The activity's own failure, unwrapped: the job fails with INVALID_PIPELINE and its list of problems.
      if (e instanceof ActivityFailure && e.cause instanceof ApplicationFailure) {
        throw ApplicationFailure.create({ message: e.cause.message, type: e.cause.type ?? undefined, nonRetryable: true, details: e.cause.details as unknown[] });
      }
      throw e;
    }
  }
  let compiled: CompiledPipeline;
  try {
    compiled = loadPipeline(doc);
  } catch (e) {
    if (e instanceof SlimflowError) throw invalid(e);
    throw e;
  }
  cp = compiled;
  state = initialState(compiled, {});
  return executePipeline(compiled, input.inputs ?? {}, (s) => { state = s; });
}

/**
 * Run a validated pipeline with activities; a failed step fails the workflow once, non-retryably,
 * naming the step. Shared by runPipeline and autoCompress (which passes its control state to the
 * children it starts).
 */
export async function executePipeline(cp: CompiledPipeline, inputs: Record<string, unknown>, onProgress: (s: RunState) => void, control?: () => ChildControl): Promise<PipelineResult> {
  // A scope of our own lets a failed step cancel its still-running siblings before the workflow fails.
  const scope = new CancellationScope();
  const runStage = (stage: string, input: Record<string, unknown>, inst: StepInstance) => runStageActivity(stage, input, inst, control);
  try {
    return await scope.run(() => interpretPipeline(cp, inputs, { runStage, onProgress }));
  } catch (e) {
    scope.cancel();
    if (e instanceof StepFailure) {
      throw ApplicationFailure.nonRetryable(e.message, 'STEP_FAILED', { stepId: e.stepId, key: e.key });
    }
    if (e instanceof SlimflowError) throw invalid(e);
    throw e;
  }
}
