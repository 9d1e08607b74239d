// The scheduler: pure functions from (compiled pipeline, state so far) to the step instances that
// can start now. The interpreter owns the loop; this file owns the rules:
//
// - A step is ready when every dependency (data refs and `needs`) has succeeded or was skipped.
// - Skips propagate: if any dependency was skipped, the step is skipped too (its inputs would be
//   missing). A pipeline output that reads a skipped step is null.
// - `when` is evaluated once per step, after its dependencies finish; false → skipped, with the reason.
// - forEach starts every instance at once, keyed `step[i]`; the step succeeds when all have, and
//   each output port becomes the list of the instances' values, in item order. An empty list
//   succeeds at once with empty lists. A matrix is the cartesian product of its keys (last key
//   varies fastest), each item an object {key: value}.
// - repeat runs iterations one after another, keyed `step#i`; after each, `until` is evaluated with
//   `previous` = that iteration's outputs; the step stops when it holds or after `max` iterations and
//   its outputs are the last iteration's.
import { stageSpec } from './catalog';
import { evalExpr, ExprError, RefPath, truthy } from './expr';
import { PipelineStep } from './schema';
import { parseCondition, parseTemplate, renderTemplate } from './template';
import type { CompiledPipeline } from './validate';

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'skipped' | 'failed';

export interface StepRecord {
  status: StepStatus;
  /** Why the step was skipped or failed. */
  reason?: string;
  /** Once succeeded: lists per port for a fan-out, the last iteration's outputs for a repeat. */
  outputs?: Record<string, unknown>;
  /** Fan-out: one slot per instance, null until that instance finishes. */
  results?: Array<Record<string, unknown> | null>;
  /** Repeat: the iteration to run next or running now (0-based). */
  iteration?: number;
  /** Repeat: outputs of the iteration before, null before the first. */
  previous?: Record<string, unknown> | null;
}

/** Everything recorded so far; plain JSON, so the progress query can return it as is. */
export interface RunState {
  inputs: Record<string, unknown>;
  steps: Record<string, StepRecord>;
}

/** One unit of work to start: a plain step, one fan-out item, or one repeat iteration. */
export interface StepInstance {
  key: string;
  stepId: string;
  stage: string;
  input: Record<string, unknown>;
  index?: number;
  iteration?: number;
}

/** A step that cannot go on; carries the step id (and instance key) so the failure names it. */
export class StepFailure extends Error {
  constructor(readonly stepId: string, readonly key: string, message: string) {
    super(`step "${key}" failed: ${message}`);
    this.name = 'StepFailure';
  }
}

interface Locals {
  item?: unknown;
  index?: number;
  previous?: Record<string, unknown> | null;
  iteration?: number;
}

// Walk `.field` / `[n]` segments; anything missing reads as null.
function walk(v: unknown, rest: RefPath): unknown {
  let cur = v;
  for (const seg of rest) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = Object.hasOwn(cur, seg) ? (cur as Record<string | number, unknown>)[seg] : null;
  }
  return cur ?? null;
}

function lookupIn(state: RunState, locals: Locals): (path: RefPath) => unknown {
  return (path) => {
    const [root, a] = path;
    switch (root) {
      case 'inputs': return walk(state.inputs[a as string], path.slice(2));
      case 'steps': return walk(state.steps[a as string]?.outputs ?? null, path.slice(2));
      case 'item': return walk(locals.item, path.slice(1));
      case 'index': return locals.index ?? null;
      case 'previous': return walk(locals.previous ?? null, path.slice(1));
      case 'iteration': return locals.iteration ?? null;
      default: return null;
    }
  };
}

// Expression errors at run time (e.g. dividing by zero) fail the step, naming it.
function guarded<T>(stepId: string, key: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ExprError) throw new StepFailure(stepId, key, e.message);
    throw e;
  }
}

function renderWith(step: PipelineStep, state: RunState, locals: Locals): Record<string, unknown> {
  const lookup = lookupIn(state, locals);
  const out: Record<string, unknown> = {};
  for (const [port, v] of Object.entries(step.with)) {
    const value = renderTemplate(parseTemplate(v), lookup);
    if (value !== undefined) out[port] = value;
  }
  return out;
}

/** The items a forEach step fans out over, in order. */
export function forEachItems(stepId: string, step: PipelineStep, state: RunState): unknown[] {
  const fe = step.forEach!;
  const lookup = lookupIn(state, {});
  if (fe.items !== undefined) {
    const items = renderTemplate(parseTemplate(fe.items), lookup);
    if (!Array.isArray(items)) throw new StepFailure(stepId, stepId, `forEach.items is not a list (got ${JSON.stringify(items)})`);
    return items;
  }
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [k, v] of Object.entries(fe.matrix!)) {
    const values = renderTemplate(parseTemplate(v), lookup);
    if (!Array.isArray(values)) throw new StepFailure(stepId, stepId, `forEach.matrix.${k} is not a list`);
    combos = combos.flatMap((c) => values.map((x) => ({ ...c, [k]: x })));
  }
  return combos;
}

/** The state before any step ran, given the job's (already resolved) inputs. */
export function initialState(cp: CompiledPipeline, inputs: Record<string, unknown>): RunState {
  const steps: Record<string, StepRecord> = {};
  for (const id of Object.keys(cp.pipeline.steps)) steps[id] = { status: 'pending' };
  return { inputs, steps };
}

const terminal = (r: StepRecord) => r.status === 'succeeded' || r.status === 'skipped';

/** Settle every step that can be settled now and return the instances to start, all at once. */
export function advance(cp: CompiledPipeline, prev: RunState): { state: RunState; ready: StepInstance[] } {
  const state: RunState = { inputs: prev.inputs, steps: { ...prev.steps } };
  const ready: StepInstance[] = [];
  let changed = true;
  // Settling one step (skip, empty fan-out) can make a step declared earlier ready: loop to a fixpoint.
  while (changed) {
    changed = false;
    for (const [id, step] of Object.entries(cp.pipeline.steps)) {
      const rec = state.steps[id];
      if (rec.status !== 'pending') continue;
      if (step.repeat && (rec.iteration ?? 0) > 0) {
        const iteration = rec.iteration!;
        const key = `${id}#${iteration}`;
        const input = guarded(id, key, () => renderWith(step, state, { previous: rec.previous ?? null, iteration }));
        ready.push({ key, stepId: id, stage: step.stage, input, iteration });
        state.steps[id] = { ...rec, status: 'running' };
        continue;
      }
      const deps = cp.deps[id].map((d) => [d, state.steps[d]] as const);
      if (!deps.every(([, r]) => terminal(r))) continue;
      changed = true;
      const skippedDep = deps.find(([, r]) => r.status === 'skipped');
      if (skippedDep) {
        state.steps[id] = { status: 'skipped', reason: `upstream step "${skippedDep[0]}" was skipped` };
        continue;
      }
      if (step.when !== undefined) {
        const go = guarded(id, id, () => truthy(evalExpr(parseCondition(step.when!), lookupIn(state, {}))));
        if (!go) {
          state.steps[id] = { status: 'skipped', reason: `when is false: ${String(step.when)}` };
          continue;
        }
      }
      if (step.forEach) {
        const items = guarded(id, id, () => forEachItems(id, step, state));
        if (items.length === 0) {
          const outputs = Object.fromEntries(Object.keys(stageSpec(step.stage)!.outputs).map((p) => [p, []]));
          state.steps[id] = { status: 'succeeded', outputs, results: [] };
          continue;
        }
        items.forEach((item, index) => {
          const key = `${id}[${index}]`;
          const input = guarded(id, key, () => renderWith(step, state, { item, index }));
          ready.push({ key, stepId: id, stage: step.stage, input, index });
        });
        state.steps[id] = { status: 'running', results: items.map(() => null) };
      } else if (step.repeat) {
        const key = `${id}#0`;
        const input = guarded(id, key, () => renderWith(step, state, { previous: null, iteration: 0 }));
        ready.push({ key, stepId: id, stage: step.stage, input, iteration: 0 });
        state.steps[id] = { status: 'running', iteration: 0, previous: null };
      } else {
        ready.push({ key: id, stepId: id, stage: step.stage, input: guarded(id, id, () => renderWith(step, state, {})) });
        state.steps[id] = { status: 'running' };
      }
    }
  }
  return { state, ready };
}

/** Record one finished instance; a fan-out or repeat step succeeds once its last instance is in. */
export function recordResult(cp: CompiledPipeline, prev: RunState, inst: StepInstance, outputs: Record<string, unknown>): RunState {
  const step = cp.pipeline.steps[inst.stepId];
  const rec = prev.steps[inst.stepId];
  let next: StepRecord;
  if (step.forEach) {
    const results = [...(rec.results ?? [])];
    results[inst.index!] = outputs;
    if (results.every((r) => r !== null)) {
      const ports = Object.keys(stageSpec(step.stage)!.outputs);
      const lists = Object.fromEntries(ports.map((p) => [p, results.map((r) => r![p] ?? null)]));
      next = { status: 'succeeded', outputs: lists, results };
    } else next = { ...rec, results };
  } else if (step.repeat) {
    const iteration = inst.iteration ?? 0;
    const until = parseCondition(step.repeat.until);
    const stop = guarded(inst.stepId, inst.key, () => truthy(evalExpr(until, lookupIn(prev, { previous: outputs, iteration }))));
    next = stop || iteration + 1 >= step.repeat.max
      ? { status: 'succeeded', outputs, iteration }
      : { status: 'pending', iteration: iteration + 1, previous: outputs };
  } else {
    next = { status: 'succeeded', outputs };
  }
  return { inputs: prev.inputs, steps: { ...prev.steps, [inst.stepId]: next } };
}

/** Record that a step failed, with the reason shown in results and progress. */
export function recordFailure(prev: RunState, stepId: string, reason: string): RunState {
  return { inputs: prev.inputs, steps: { ...prev.steps, [stepId]: { ...prev.steps[stepId], status: 'failed', reason } } };
}

/** Whether every step has settled (succeeded or skipped). */
export const isFinished = (state: RunState): boolean => Object.values(state.steps).every(terminal);

/** The pipeline's declared outputs, read from the finished state (skipped steps read as null). */
export function pipelineOutputs(cp: CompiledPipeline, state: RunState): Record<string, unknown> {
  const lookup = lookupIn(state, {});
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(cp.pipeline.outputs)) out[name] = renderTemplate(parseTemplate(v), lookup);
  return out;
}
