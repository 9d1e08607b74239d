// Values that travel between the fleet workflow and its activities (types only, so the workflow
// sandbox can import them).
import type { JobConfig } from '../config/schema';
import type { Acceptance } from './manifest';

/** What `fleetRecompress` takes: a manifest file readable by the workers, or the manifest itself. */
export interface FleetInput {
  manifestPath?: string;
  manifest?: unknown;
  /** Folder that relative paths resolve against (default: the worker's working directory). */
  baseDir?: string;
}

/** A manifest entry given as a pipeline: what its runPipeline child gets, and what its key hashes. */
export interface FleetPipelineJob {
  /** The validated pipeline document (parsed YAML/JSON). */
  document: Record<string, unknown>;
  /** The file it was read from, or `inline`. */
  source: string;
  /** sha256 of the file's bytes (of the canonical JSON when inline): part of the content key. */
  sha256: string;
  /** Job inputs by pipeline input name: the model path and data specs (absolute paths), further inputs. */
  inputs: Record<string, unknown>;
  /** onnxruntime threads the report states (the entry's deploy.threads, else 1). */
  threads: number;
}

/** One manifest entry resolved to a job: absolute paths, defaults applied; `error` when it cannot run. */
export interface FleetEntry {
  name: string;
  /** Registry folder of this model (absolute). */
  modelRoot: string;
  /** The job as a config (autoCompress child)... */
  config?: JobConfig;
  /** ...or as a pipeline (runPipeline child). */
  pipeline?: FleetPipelineJob;
  acceptance: Required<Acceptance>;
  error?: string;
}

/** The loaded fleet. */
export interface ResolvedFleet {
  name: string;
  registry: string;
  concurrency: number;
  entries: FleetEntry[];
}

export type OutcomeStatus = 'compressed' | 'skipped' | 'failed' | 'rejected';

/** What happened to one model in one run. */
export interface ModelOutcome {
  name: string;
  status: OutcomeStatus;
  /** The content key the result was (or would be) built from. */
  key?: string;
  /** Registry version folder holding the result. */
  versionDir?: string;
  /** failed: the error; rejected: the threshold missed; skipped: why. */
  reason?: string;
  workflowId?: string;
}

/** The run summary: model names per status, and every outcome in manifest order. */
export interface FleetSummary {
  fleet: string;
  registry: string;
  index?: string;
  compressed: string[];
  skipped: string[];
  failed: string[];
  rejected: string[];
  outcomes: ModelOutcome[];
}

/** The record written as key.json in a version folder. */
export interface VersionRecord {
  name: string;
  key: string;
  parts: Record<string, unknown>;
  accepted: boolean;
  reason?: string;
  publishedAt: string;
  workflowId: string;
  files: string[];
}
