// The DAG interpreter: starts every ready step instance at once and records each result.
// It knows nothing of Temporal — stages run through `runStage` — so it is deterministic wherever
// its runStage is: inside a workflow, the history replays each activity result, and a finished
// step is never run again.
import {
  advance, CompiledPipeline, initialState, isFinished, modelPathInputs, pipelineOutputs, recordFailure,
  recordResult, resolveJobInputs, RunState, stageSpec, StepFailure, StepInstance, StepStatus,
} from '../core/pipeline';

export interface InterpreterHooks {
  /** Run one activity stage: one object keyed by input ports in, one keyed by output ports out. */
  runStage(stage: string, input: Record<string, unknown>, instance: StepInstance): Promise<Record<string, unknown>>;
  /** Called after every change of state (a start, a result, a failure). */
  onProgress?(state: RunState): void;
}

export interface PipelineResult {
  outputs: Record<string, unknown>;
  steps: Record<string, { status: StepStatus; result?: Record<string, unknown>; reason?: string }>;
}

type Settled = { inst: StepInstance; outputs?: Record<string, unknown>; error?: unknown };

/** The message of an error and its causes (activity failures wrap the real message). */
export function causeMessage(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  while (cur instanceof Error && parts.length < 5) {
    if (cur.message && !parts.includes(cur.message)) parts.push(cur.message);
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(e);
}

/** Summarise the final state as the workflow's result. */
export function summarize(cp: CompiledPipeline, state: RunState): PipelineResult {
  const steps: PipelineResult['steps'] = {};
  for (const [id, rec] of Object.entries(state.steps)) {
    steps[id] = rec.status === 'succeeded' ? { status: rec.status, result: rec.outputs } : { status: rec.status, reason: rec.reason };
  }
  return { outputs: pipelineOutputs(cp, state), steps };
}

/** Run a validated pipeline to the end; throws StepFailure naming the first step that fails. */
export async function interpretPipeline(
  cp: CompiledPipeline,
  jobInputs: Record<string, unknown>,
  hooks: InterpreterHooks,
): Promise<PipelineResult> {
  const inputs = resolveJobInputs(cp, jobInputs);
  // Model inputs given as file paths enter the artifact store first, concurrently.
  const paths = modelPathInputs(cp, inputs);
  const imported = await Promise.all(
    paths.map(async (name) => {
      const inst: StepInstance = { key: `inputs.${name}`, stepId: `inputs.${name}`, stage: 'importModel', input: { path: inputs[name] } };
      try {
        return (await hooks.runStage('importModel', inst.input, inst)).model;
      } catch (e) {
        throw new StepFailure(inst.stepId, inst.key, `importing ${String(inputs[name])}: ${causeMessage(e)}`);
      }
    }),
  );
  paths.forEach((name, i) => { inputs[name] = imported[i]; });

  let state = initialState(cp, inputs);
  const inflight = new Map<string, Promise<Settled>>();
  const start = (inst: StepInstance): Promise<Settled> => {
    const spec = stageSpec(inst.stage)!;
    // Builtins are pure and run right here, on the same path as activities.
    // The async wrapper turns a synchronous throw into a rejection handled below.
    const run = (async () => (spec.evaluate ? spec.evaluate(inst.input) : hooks.runStage(inst.stage, inst.input, inst)))();
    // Settled promises never reject, so a failure elsewhere leaves no unhandled rejection behind.
    return run.then((outputs) => ({ inst, outputs }), (error: unknown) => ({ inst, error }));
  };

  for (;;) {
    const next = advance(cp, state);
    state = next.state;
    for (const inst of next.ready) inflight.set(inst.key, start(inst));
    hooks.onProgress?.(state);
    if (inflight.size === 0) break;
    const done = await Promise.race(inflight.values());
    inflight.delete(done.inst.key);
    if (done.error !== undefined || !done.outputs) {
      const reason = causeMessage(done.error ?? new Error('stage returned nothing'));
      state = recordFailure(state, done.inst.stepId, `${done.inst.key}: ${reason}`);
      hooks.onProgress?.(state);
      throw new StepFailure(done.inst.stepId, done.inst.key, `${done.inst.stage}: ${reason}`);
    }
    state = recordResult(cp, state, done.inst, done.outputs);
    hooks.onProgress?.(state);
  }
  if (!isFinished(state)) {
    const stuck = Object.entries(state.steps).filter(([, r]) => r.status !== 'succeeded' && r.status !== 'skipped').map(([id]) => id);
    throw new StepFailure(stuck[0], stuck[0], `pipeline stalled with steps ${stuck.join(', ')} unfinished`);
  }
  return summarize(cp, state);
}
