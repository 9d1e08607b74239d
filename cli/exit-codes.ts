// The exit codes of slimflow's commands, one meaning each, so a CI job can gate on them (README,
// "Exit codes").
export const EXIT = {
  /** Done; for `compress`, the target was met. */
  OK: 0,
  /** An unexpected error (the only case that prints a stack). */
  ERROR: 1,
  /** Bad input: config, pipeline, model, data or a flag; one line names the problem. */
  INPUT: 2,
  /** The job finished but `compress` missed its target, or a fleet run has failed models. */
  TARGET_MISSED: 3,
  /** The Temporal server stayed unreachable longer than the client waits. */
  UNREACHABLE: 4,
  /** The workflow or schedule named does not exist. */
  NOT_FOUND: 5,
  /** Detached (`--detach` and a signal): the job goes on in Temporal. */
  DETACHED: 6,
  /** Stopped by Ctrl-C / SIGTERM: the job was cancelled (its best so far is reported). */
  INTERRUPTED: 130,
} as const;
