// What the progress display and `slimflow status` both show, computed from what any machine can
// read: the job's progress query, its running search's query, the heartbeats of its running
// activities, and the start times Temporal keeps. Pure, so both views give the same figures.
import type { PipelineProgress } from '../core/pipeline';
import { estimateEta } from './commands/status-eta';

/** A running search's own progress query (ptqSearch's `search` field). */
export interface SearchProgress { trials: number; budget: number; paused: boolean }

export interface ProgressFacts {
  progress: PipelineProgress;
  /** Running searches by step id, with their seconds since start, when the job has any. */
  searches: Record<string, { search: SearchProgress; elapsedSeconds: number }>;
  /** The last heartbeat details of each running activity (any JSON), by activity type. */
  heartbeats: { activity: string; details: unknown }[];
  elapsedSeconds: number;
  paused: boolean;
}

export interface ProgressView {
  /** Percent of the job's work, a running search counted by its trials. */
  percent: number;
  stage: string;
  trials: { done: number; budget: number } | null;
  etaSeconds: number | null;
  elapsedSeconds: number;
  best: string | null;
  /** What the running activities last reported, e.g. "validateCandidate: validate batch 12". */
  activity: string | null;
}

/** The share of a running search's step that its finished trials have done. */
function refinedPercent(p: PipelineProgress, searches: ProgressFacts['searches']): number {
  let percent = p.percent ?? 0;
  for (const [step, s] of Object.entries(searches)) {
    const share = p.steps?.[step]?.share;
    if (share && s.search.budget > 0 && p.steps?.[step]?.status === 'running') percent += (share * Math.min(s.search.trials, s.search.budget)) / s.search.budget;
  }
  return Math.min(percent, p.stage === 'done' ? 100 : 99);
}

/** Heartbeat details as a few words: `{stage: 'validate', batch: 12}` → "validate batch 12". */
export function describeDetails(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details);
  return Object.entries(details as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => (k === 'stage' || k === 'label' ? String(v) : `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : v}`))
    .join(' ');
}

/** Combine the facts into the figures a person reads. */
export function progressView(f: ProgressFacts): ProgressView {
  const percent = refinedPercent(f.progress, f.searches);
  const search = Object.values(f.searches)[0];
  const trials = search ? { done: search.search.trials, budget: search.search.budget } : null;
  const b = f.progress.best;
  const figure = (x: NonNullable<typeof b>) => (typeof x.score === 'number' ? `${x.metric ?? 'score'} ${x.score.toFixed(2)}`
    : `${x.accuracy != null ? `accuracy ${x.accuracy.toFixed(2)}, ` : ''}agreement ${x.agreement.toFixed(2)}`);
  const best = b ? `${b.label}: ${figure(b)}, ${b.latencyMs.toFixed(2)} ms` : null;
  const beats = f.heartbeats.map((h) => [h.activity, describeDetails(h.details)].filter(Boolean).join(': ')).filter(Boolean);
  const done = f.progress.stage === 'done';
  return {
    percent,
    stage: f.progress.stage,
    trials,
    etaSeconds: estimateEta({
      running: !done, paused: f.paused, elapsedSeconds: f.elapsedSeconds, percent,
      trials, searchElapsedSeconds: search?.elapsedSeconds ?? null,
    }),
    elapsedSeconds: f.elapsedSeconds,
    best,
    activity: beats.length ? beats.join('; ') : null,
  };
}

/** Seconds as "1h02m", "3m05s" or "42s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** The view as one line after the bar: elapsed, ETA, stage, trials, what the activities report, best so far. */
export function viewLine(v: ProgressView): string {
  return [
    `${formatDuration(v.elapsedSeconds)} elapsed`,
    v.etaSeconds !== null ? `ETA ${formatDuration(v.etaSeconds)}` : 'ETA --',
    v.stage,
    v.trials ? `trials ${v.trials.done}/${v.trials.budget}` : '',
    v.activity ?? '',
    v.best ? `best ${v.best}` : '',
  ].filter(Boolean).join(' | ');
}
