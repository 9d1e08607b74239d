// The ETA `slimflow status` shows. Pure: from what any machine can read (progress queries and the
// start times Temporal keeps), without the job's history.

export interface EtaInput {
  running: boolean;
  paused: boolean;
  /** Seconds since the job's first run started (continue-as-new starts a new run, not a new job). */
  elapsedSeconds: number;
  percent: number | null;
  /** Trials of the running search, when there is one. */
  trials: { done: number; budget: number } | null;
  /** Seconds since that search's first run started. */
  searchElapsedSeconds: number | null;
}

/** Seconds left, or null when there is nothing to extrapolate (not running, paused, nothing done yet). */
export function estimateEta(i: EtaInput): number | null {
  if (!i.running || i.paused) return null;
  // During a search, trials are the unit of work: its pace so far times the trials left.
  const t = i.trials;
  if (t && i.searchElapsedSeconds !== null && t.done > 0 && t.done < t.budget) {
    return Math.round((i.searchElapsedSeconds * (t.budget - t.done)) / t.done);
  }
  const pct = i.percent;
  return pct && pct > 0 && pct < 100 ? Math.round((i.elapsedSeconds * (100 - pct)) / pct) : null;
}
