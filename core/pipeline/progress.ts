// What the `progress` query answers, computed from the run state alone (pure).
import { stageSpec } from './catalog';
import type { RunState, StepStatus } from './schedule';
import type { Candidate } from './types';
import type { CompiledPipeline } from './validate';

export interface PipelineProgress {
  /** The steps running now as "id (stage)", or "starting" / "done". */
  stage: string;
  percent: number;
  best?: { label: string; accuracy: number | null; agreement: number; latencyMs: number };
  steps: Record<string, { status: StepStatus; done?: number; total?: number }>;
}

const isCandidate = (v: unknown): v is Candidate =>
  v !== null && typeof v === 'object' && typeof (v as Candidate).label === 'string' && typeof (v as Candidate).agreement === 'number';

// Best so far: the latest selectBest answer if there is one, else the most accurate candidate seen
// (accuracy first, agreement to break ties or when accuracy is unknown).
function bestSoFar(cp: CompiledPipeline, state: RunState): Candidate | undefined {
  let selected: Candidate | undefined;
  const seen: Candidate[] = [];
  for (const [id, step] of Object.entries(cp.pipeline.steps)) {
    const rec = state.steps[id];
    const spec = stageSpec(step.stage);
    if (!spec) continue;
    if (step.stage === 'selectBest' && rec.status === 'succeeded' && isCandidate(rec.outputs?.best)) selected = rec.outputs.best;
    const outs = step.forEach ? (rec.results ?? []).filter((r) => r !== null) : rec.outputs ? [rec.outputs] : [];
    for (const [port, type] of Object.entries(spec.outputs)) {
      if (type !== 'candidate') continue;
      for (const o of outs) if (isCandidate(o![port])) seen.push(o![port] as Candidate);
    }
  }
  if (selected) return selected;
  const score = (c: Candidate) => [c.accuracy ?? -1, c.agreement];
  return seen.reduce<Candidate | undefined>((best, c) => {
    if (!best) return c;
    const [a1, g1] = score(c);
    const [a0, g0] = score(best);
    return a1 > a0 || (a1 === a0 && g1 > g0) ? c : best;
  }, undefined);
}

/** Progress of a run: running steps, percent of steps settled (fan-outs count by instance), best so far. */
export function progressOf(cp: CompiledPipeline, state: RunState): PipelineProgress {
  const steps: PipelineProgress['steps'] = {};
  const running: string[] = [];
  let settled = 0;
  for (const [id, step] of Object.entries(cp.pipeline.steps)) {
    const rec = state.steps[id];
    const entry: PipelineProgress['steps'][string] = { status: rec.status };
    if (rec.results) {
      entry.total = rec.results.length;
      entry.done = rec.results.filter((r) => r !== null).length;
    }
    steps[id] = entry;
    if (rec.status === 'succeeded' || rec.status === 'skipped') settled += 1;
    else if (rec.status === 'running') {
      running.push(`${id} (${step.stage})`);
      if (entry.total) settled += entry.done! / entry.total;
      else if (step.repeat) settled += (rec.iteration ?? 0) / step.repeat.max;
    }
  }
  const total = Object.keys(cp.pipeline.steps).length;
  const done = settled === total;
  const best = bestSoFar(cp, state);
  return {
    stage: running.length > 0 ? running.join(', ') : done ? 'done' : 'starting',
    percent: Math.round((100 * settled) / total),
    ...(best ? { best: { label: best.label, accuracy: best.accuracy, agreement: best.agreement, latencyMs: best.latencyMs } } : {}),
    steps,
  };
}
