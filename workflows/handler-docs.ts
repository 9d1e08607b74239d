// What each query and signal of slimflow's workflows does, as the Temporal UI and `temporal
// workflow metadata` show it. One wording for the handlers every workflow shares.
export const HANDLER_DOCS = {
  progress: 'Progress of the job: running steps, percent of the work, best candidate so far, every step\'s status.',
  pause: 'Hold the job: no new stage or trial starts until "resume"; running ones finish.',
  resume: 'Release a paused job.',
  stop: 'Stop early: no new trial or stage starts; the job finishes with the best model so far.',
  stopNow: 'Stop the search now, cancelling running trials, and answer with the best so far.',
  fleetProgress: 'Progress of the fleet run: each model\'s state (queued, running, compressed, skipped, failed, rejected).',
  trainProgress: 'Progress of the training: epoch, loss, best student so far.',
} as const;

/** A handler's options with its description. */
export const described = (name: keyof typeof HANDLER_DOCS) => ({ description: HANDLER_DOCS[name] });
