// What the `progress` query answers, computed from the run state alone (pure).
import { stageSpec } from './catalog';
import type { RunState, StepStatus } from './schedule';
import type { Candidate } from './types';
import type { CompiledPipeline } from './validate';

export interface PipelineProgress {
  /** The steps running now as "id (stage)", or "starting" / "done". */
  stage: string;
  percent: number;
  /** Best so far; `score` and `metric` are the task metric that decides, when the candidates carry it. */
  best?: { label: string; accuracy: number | null; agreement: number; latencyMs: number; score?: number; metric?: string };
  /**
   * Per step: its status, fan-out instances done of total, and `share`, the points of `percent` the
   * step is worth (its stage's catalog cost × its instances, over the pipeline's): a client that learns
   * more of a running step (a search's trials) adds share × its fraction done.
   */
  steps: Record<string, { status: StepStatus; done?: number; total?: number; share?: number }>;
}

const isCandidate = (v: unknown): v is Candidate =>
  v !== null && typeof v === 'object' && typeof (v as Candidate).label === 'string' && typeof (v as Candidate).agreement === 'number';

/** The candidate a pipeline output names (`${{ steps.<id>.<port> }}`), once its step has it. */
function outputCandidate(cp: CompiledPipeline, state: RunState, name: string): Candidate | undefined {
  const ref = /^\$\{\{\s*steps\.([\w-]+)\.(\w+)\s*\}\}$/.exec(String((cp.pipeline.outputs as Record<string, unknown> | undefined)?.[name] ?? ''));
  const v = ref ? state.steps[ref[1]]?.outputs?.[ref[2]] : undefined;
  return isCandidate(v) ? v : undefined;
}

// Best so far: the job's own answer once it has one (the pipeline's `final`, else `best` output: what
// it publishes), else the latest selectBest answer, else the most accurate candidate seen (accuracy
// first, agreement to break ties or when accuracy is unknown).
function bestSoFar(cp: CompiledPipeline, state: RunState): Candidate | undefined {
  const answer = outputCandidate(cp, state, 'final') ?? outputCandidate(cp, state, 'best');
  if (answer) return answer;
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
  // The task metric when candidates carry it (the figure the job decides by), then accuracy, then agreement.
  const score = (c: Candidate) => [c.score ?? -1, c.accuracy ?? -1, c.agreement];
  return seen.reduce<Candidate | undefined>((best, c) => {
    if (!best) return c;
    const [s1, a1, g1] = score(c);
    const [s0, a0, g0] = score(best);
    return s1 > s0 || (s1 === s0 && (a1 > a0 || (a1 === a0 && g1 > g0))) ? c : best;
  }, undefined);
}

/** How many times a step's stage runs: its fan-out's instances, repeats, or a search's trial budget. */
function instances(step: CompiledPipeline['pipeline']['steps'][string], rec: RunState['steps'][string]): number {
  const w = step.with as Record<string, unknown> | undefined;
  if (step.stage === 'ptqSearch') return typeof w?.budget === 'number' ? w.budget : 20;
  if (rec.results) return Math.max(1, rec.results.length);
  const items = (step.forEach as { items?: unknown } | undefined)?.items;
  if (Array.isArray(items)) return Math.max(1, items.length);
  if (step.repeat) return step.repeat.max;
  return 1;
}

/**
 * Progress of a run: running steps, percent of the work settled, best so far. Steps weigh their
 * stage's cost (a validation far more than a selectBest), so the percent moves with the work, not
 * with the step count; skipped steps leave the total.
 */
export function progressOf(cp: CompiledPipeline, state: RunState): PipelineProgress {
  const steps: PipelineProgress['steps'] = {};
  const running: string[] = [];
  const weights: Record<string, number> = {};
  let total = 0;
  let settled = 0;
  for (const [id, step] of Object.entries(cp.pipeline.steps)) {
    const rec = state.steps[id];
    const weight = (stageSpec(step.stage)?.cost ?? 1) * instances(step, rec);
    const entry: PipelineProgress['steps'][string] = { status: rec.status };
    if (rec.results) {
      entry.total = rec.results.length;
      entry.done = rec.results.filter((r) => r !== null).length;
    }
    steps[id] = entry;
    if (rec.status === 'skipped') continue;
    weights[id] = weight;
    total += weight;
    if (rec.status === 'succeeded') settled += weight;
    else if (rec.status === 'running') {
      running.push(`${id} (${step.stage})`);
      if (entry.total) settled += (weight * entry.done!) / entry.total;
      else if (step.repeat) settled += (weight * (rec.iteration ?? 0)) / step.repeat.max;
    }
  }
  for (const [id, w] of Object.entries(weights)) steps[id].share = total > 0 ? (100 * w) / total : 0;
  const done = running.length === 0 && Object.values(state.steps).every((r) => r.status === 'succeeded' || r.status === 'skipped');
  const best = bestSoFar(cp, state);
  return {
    stage: running.length > 0 ? running.join(', ') : done ? 'done' : 'starting',
    percent: done ? 100 : total > 0 ? Math.round((100 * settled) / total) : 0,
    ...(best ? { best: { label: best.label, accuracy: best.accuracy, agreement: best.agreement, latencyMs: best.latencyMs, ...(typeof best.score === 'number' ? { score: best.score, metric: best.metric } : {}) } } : {}),
    steps,
  };
}

/** A pipeline's progress placed within a larger job's scale (e.g. points 5 to 95 of autoCompress). */
export function withinJob(p: PipelineProgress, offset: number, factor: number): PipelineProgress {
  const steps = Object.fromEntries(Object.entries(p.steps).map(([id, s]) => [id, s.share === undefined ? s : { ...s, share: s.share * factor }]));
  return { ...p, percent: offset + factor * p.percent, steps };
}
