// Where a stopped job's kept result is, for each result shape a controllable workflow returns. Pure,
// so `slimflow cancel` says the same thing whatever stopped.

/** The kept result: its label, the model file or store uri, and the report page when there is one. */
export interface KeptResult {
  label: string;
  model: string | null;
  report: string | null;
}

type AnyResult = {
  best?: { label?: string; modelPath?: string; model?: { uri?: string } };
  model?: { uri?: string };
  candidate?: { label?: string } | null;
  history?: unknown[];
};

/** autoCompress (a published model and its report), ptqSearch (best trial) or trainStrategy (best epoch's student). */
export function keptResult(result: unknown): KeptResult | null {
  const r = (result ?? {}) as AnyResult;
  // autoCompress writes report.html beside the model it publishes.
  if (r.best?.modelPath) return { label: r.best.label ?? 'best', model: r.best.modelPath, report: r.best.modelPath.replace(/[^/\\]+$/, 'report.html') };
  if (r.best?.model?.uri) return { label: r.best.label ?? 'best', model: r.best.model.uri, report: null };
  if (r.model?.uri) return { label: r.candidate?.label ?? `trained student (${r.history?.length ?? 0} epochs)`, model: r.model.uri, report: null };
  return null;
}
