// Values that travel between pipeline stages. Activities import these types; workflows may too
// (type-only imports are erased, so nothing here pulls Node modules into the workflow sandbox).
import type { ArtifactRef } from '../artifacts/store';
import type { GraphAnalysis } from '../onnx/analysis';

export type { ArtifactRef, GraphAnalysis };

/** A dataset is described, never shipped: the activity that needs the samples loads them from this spec. */
export type DatasetSpec = Record<string, unknown>;

/** One PTQ configuration; the keys the quantizer understands are owned by core/quant. */
export interface PtqConfig {
  calibrator?: string;
  perChannel?: boolean;
  [key: string]: unknown;
}

/** Predicted latency of a model on the deploy target, as estimateLatency reports it. */
export interface LatencyEstimate {
  totalMs: number;
  [key: string]: unknown;
}

/** A validated compressed model: what selectBest compares and reports show. */
export interface Candidate {
  label: string;
  model: ArtifactRef;
  /** Task accuracy in points (0–100); null when the eval set has no labels. */
  accuracy: number | null;
  /** Top-1 agreement with the teacher in points (0–100). */
  agreement: number;
  /** Mean cosine similarity with the teacher's outputs, ×100. */
  cosine: number;
  /** Earth mover's distance of standardized teacher and student outputs (mean over batches); absent in older results. */
  emd?: number;
  /** The task metric that decides acceptance, in points (higher is better); absent in older results. */
  score?: number;
  /** What `score` measures, e.g. "box F1 vs teacher @IoU0.5" or "top-1 accuracy". */
  metric?: string;
  /** The batch shape of each input it was validated and timed at; absent in older results. */
  inputShapes?: Record<string, number[]>;
  latencyMs: number;
  /**
   * The noise of `latencyMs` when it was timed side by side (compareLatency): the standard error of
   * the median over the interleaved rounds, load divided out, in ms; absent for validation latencies and older results.
   */
  latencyNoiseMs?: number;
  sizeBytes: number;
  config?: unknown;
  /** How selectBest chose this candidate, when the near-tie rule applied (measured noise on every contender). */
  selection?: NearTie;
}

/** selectBest's record of a latency choice under the near-tie rule (core/pipeline/select-best.ts). */
export interface NearTie {
  /** The rule, stated. */
  rule: string;
  /** The label of the fastest candidate within tolerance (by median). */
  fastest: string;
  chosen: string;
  /** The second fastest within tolerance, how much slower it was, and the noise margin between the two, ms (absent when the fastest stood alone). */
  runnerUp?: string;
  gapMs?: number;
  marginMs?: number;
  /** The candidates within the noise margin of the fastest, in the rule's order (the chosen first). */
  contenders: string[];
  /** True when more than one candidate was within the margin: the rule, not the latency, decided. */
  decided: boolean;
}
