// The job report of a fleet entry that ran as a pipeline: its `baseline` and `best` outputs (and
// `candidates` when given) become the same JobReport autoCompress writes, so acceptance, publishing
// and the index treat both kinds of entries alike. Pure: the fleet workflow calls it.
import { SlimflowError } from '../errors';
import type { Candidate } from '../pipeline/types';
import { buildReport, JobReport } from '../report/report';
import type { FleetEntry } from './types';

const isCandidate = (v: unknown): v is Candidate => {
  const c = v as Partial<Candidate> | null;
  return !!c && typeof c === 'object' && typeof c.model?.uri === 'string' && typeof c.latencyMs === 'number' && typeof c.agreement === 'number';
};

/** Build the report from a finished pipeline's outputs; throws naming the output that is not a candidate. */
export function pipelineJobReport(entry: FleetEntry, outputs: Record<string, unknown>, bestPath: string): JobReport {
  const job = entry.pipeline!;
  for (const name of ['best', 'baseline']) {
    if (!isCandidate(outputs[name])) {
      throw new SlimflowError('INVALID_PIPELINE', `pipeline output "${name}" must be a candidate (validateCandidate/compareLatency/selectBest), got ${JSON.stringify(outputs[name])?.slice(0, 120)}`, `${job.source}: outputs.${name}`);
    }
  }
  const best = outputs.best as Candidate;
  const baseline = outputs.baseline as Candidate;
  const listed = Array.isArray(outputs.candidates) ? outputs.candidates.filter(isCandidate) : [];
  const candidates = listed.some((c) => c.model.sha256 === best.model.sha256) ? listed : [...listed, best];
  const doc = job.document as { name?: string; inputs?: Record<string, { default?: unknown } | string> };
  const declared = doc.inputs?.input;
  const input = (job.inputs.input ?? (typeof declared === 'object' ? declared.default : undefined) ?? {}) as { shape?: number[]; inputs?: Record<string, number[]> };
  // The port's feed: one shape (`shape`, as recorded ports carry it) or one per input (`inputs`).
  const named = input.inputs && typeof input.inputs === 'object' ? Object.entries(input.inputs).filter(([, v]) => Array.isArray(v)) : [];
  return buildReport({
    model: String(job.inputs.model ?? entry.name),
    task: `pipeline ${doc.name ?? job.source}`,
    threads: job.threads,
    inputShape: Array.isArray(input.shape) ? input.shape : named[0]?.[1] ?? [],
    ...(named.length > 1 ? { inputShapes: Object.fromEntries(named) } : {}),
    baseline,
    best,
    bestPath,
    candidates,
    skipped: [],
    maxAccuracyDrop: entry.acceptance.max_accuracy_drop,
    targetSpeedup: entry.acceptance.min_speedup,
  });
}
