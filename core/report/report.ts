import type { Candidate } from '../pipeline/types';

/** A measured candidate model, as validateCandidate returns it. */
export type CandidateFigures = Candidate;

export interface SkippedStrategy {
  strategy: string;
  reason: string;
}

export interface JobReport {
  model: string;
  task: string;
  threads: number;
  inputShape: number[];
  baseline: CandidateFigures;
  best: CandidateFigures & { modelPath: string };
  /** FP32 after graph rewrites alone, timed beside the others: what quantization adds on top. */
  rewritten: CandidateFigures | null;
  speedup: number;
  accuracyDrop: number | null;
  target: { maxAccuracyDrop: number; targetSpeedup: number; met: boolean };
  candidates: CandidateFigures[];
  skipped: SkippedStrategy[];
}

/** Assemble the job report from the measured baseline and the chosen candidate. Pure. */
export function buildReport(args: {
  model: string;
  task: string;
  threads: number;
  inputShape: number[];
  baseline: CandidateFigures;
  best: CandidateFigures;
  rewritten?: CandidateFigures | null;
  bestPath: string;
  candidates: CandidateFigures[];
  skipped: SkippedStrategy[];
  maxAccuracyDrop: number;
  targetSpeedup: number;
}): JobReport {
  const speedup = args.baseline.latencyMs / args.best.latencyMs;
  const accuracyDrop =
    args.baseline.accuracy != null && args.best.accuracy != null ? args.baseline.accuracy - args.best.accuracy : null;
  const dropForTarget = accuracyDrop ?? 100 - args.best.agreement;
  return {
    model: args.model,
    task: args.task,
    threads: args.threads,
    inputShape: args.inputShape,
    baseline: args.baseline,
    best: { ...args.best, modelPath: args.bestPath },
    rewritten: args.rewritten ?? null,
    speedup,
    accuracyDrop,
    target: {
      maxAccuracyDrop: args.maxAccuracyDrop,
      targetSpeedup: args.targetSpeedup,
      met: dropForTarget <= args.maxAccuracyDrop && speedup >= args.targetSpeedup,
    },
    candidates: args.candidates,
    skipped: args.skipped,
  };
}

const pct = (v: number | null) => (v == null ? 'n/a' : `${v.toFixed(2)}`);
const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

/** The report as a few lines a person reads in a terminal. */
export function formatReport(r: JobReport): string {
  const rows = [
    ['', 'accuracy', 'agreement', 'cosine', 'latency (ms)', 'size'],
    ['FP32', pct(r.baseline.accuracy), pct(r.baseline.agreement), r.baseline.cosine.toFixed(4), r.baseline.latencyMs.toFixed(2), kib(r.baseline.sizeBytes)],
    ...(r.rewritten ? [[r.rewritten.label, pct(r.rewritten.accuracy), pct(r.rewritten.agreement), r.rewritten.cosine.toFixed(4), r.rewritten.latencyMs.toFixed(2), kib(r.rewritten.sizeBytes)]] : []),
    ...r.candidates.map((c) => [`${c.label}${c.model.sha256 === r.best.model.sha256 ? ' *' : ''}`, pct(c.accuracy), pct(c.agreement), c.cosine.toFixed(4), c.latencyMs.toFixed(2), kib(c.sizeBytes)]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const table = rows.map((row) => row.map((cell, c) => cell.padStart(widths[c])).join('  ')).join('\n');
  const lines = [
    `slimflow report: ${r.model}`,
    `task ${r.task}, batch shape [${r.inputShape.join(', ')}], ${r.threads} thread(s)`,
    table,
    `* chosen. Latencies are medians of interleaved runs, all models timed side by side.`,
    `speedup ${r.speedup.toFixed(2)}x${r.rewritten ? ` (graph rewrites alone: ${(r.baseline.latencyMs / r.rewritten.latencyMs).toFixed(2)}x)` : ''}, accuracy drop ${r.accuracyDrop == null ? 'n/a' : `${r.accuracyDrop.toFixed(2)} points`}, ` +
      `target (drop <= ${r.target.maxAccuracyDrop}, speedup >= ${r.target.targetSpeedup}) ${r.target.met ? 'met' : 'NOT met'}`,
    `compressed model: ${r.best.modelPath}`,
  ];
  for (const s of r.skipped) lines.push(`skipped ${s.strategy}: ${s.reason}`);
  return lines.join('\n');
}
