// The contract between pipeline stages and their activities: workflows compile against this
// interface (type-only), activities/ implements it. Each activity takes one object keyed by the
// stage's input ports and returns one keyed by its output ports (see core/pipeline/catalog.ts).
import type {
  ArtifactRef, Candidate, DatasetSpec, GraphAnalysis, LatencyEstimate, PtqConfig,
} from '../core/pipeline/types';
import type { TimeoutPreset } from './timeouts';

/** One layer of a sensitivity run (core/quant/sensitivity.ts), most sensitive first. */
export interface LayerSensitivityRow { layer: string; tensor: string; mse: number; sqnr: number }

export interface StageActivities {
  importModel(input: { path: string }): Promise<{ model: ArtifactRef }>;
  analyzeGraph(input: { model: ArtifactRef }): Promise<{ analysis: GraphAnalysis }>;
  cloneTeacher(input: { model: ArtifactRef }): Promise<{ teacher: ArtifactRef }>;
  ptqTrial(input: { model: ArtifactRef; calib: DatasetSpec; ptq?: PtqConfig; input?: unknown }): Promise<{ model: ArtifactRef; trialKey: string; label: string; calibration: unknown; trial: unknown }>;
  estimateLatency(input: { model: ArtifactRef; input?: unknown; threads?: number; table?: string }): Promise<{ latencyMs: number; latency: LatencyEstimate }>;
  validateCandidate(input: {
    model: ArtifactRef;
    teacher: ArtifactRef;
    eval: DatasetSpec;
    label?: string;
    config?: unknown;
    input?: unknown;
  }): Promise<{ candidate: Candidate; accuracy: number | null; agreement: number; latencyMs: number; sizeBytes: number }>;
  compareLatency(input: { baseline: Candidate; reference?: Candidate; candidates: Candidate[]; input?: unknown }): Promise<{ baseline: Candidate; reference: Candidate | null; candidates: Candidate[]; all: Candidate[] }>;
  optimizeGraph(input: { model: ArtifactRef }): Promise<{ model: ArtifactRef }>;
  publishModel(input: { model: ArtifactRef; outputDir: string; label?: string }): Promise<{ path: string }>;
  measureSensitivity(input: { model: ArtifactRef; quantized: ArtifactRef; calib: DatasetSpec; input?: unknown; batches?: number }): Promise<{ layers: LayerSensitivityRow[] }>;
  buildStrategyVariants(input: { model: ArtifactRef; input?: unknown; keepFloat?: string[] }): Promise<{ variants: Record<string, ArtifactRef> }>;
  trainEpoch(input: { model: ArtifactRef; teacher: ArtifactRef; train: DatasetSpec; config?: unknown; state?: ArtifactRef | null; epoch?: number; input?: unknown }): Promise<{ model: ArtifactRef; state: ArtifactRef; loss: number; epoch: number; steps: number; resumedFromStep: number }>;
}

export type ActivityStage = keyof StageActivities;

/** Which timeout preset each activity runs under; the type forces an entry for every activity. */
export const STAGE_TIMEOUTS: Record<ActivityStage, TimeoutPreset> = {
  importModel: 'short',
  analyzeGraph: 'short',
  cloneTeacher: 'short',
  ptqTrial: 'long',
  estimateLatency: 'long',
  validateCandidate: 'long',
  compareLatency: 'long',
  optimizeGraph: 'short',
  publishModel: 'short',
  measureSensitivity: 'long',
  buildStrategyVariants: 'long',
  trainEpoch: 'long',
};

/** Whether a stage name is one the workflow can run as an activity. */
export const isActivityStage = (stage: string): stage is ActivityStage => Object.hasOwn(STAGE_TIMEOUTS, stage);
