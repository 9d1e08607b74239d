// The stage catalog: every stage a pipeline may name, with typed input and output ports.
// Adding a stage is one entry here (plus its activity, or an `evaluate` for a builtin).
import { PortType } from './ports';
import { selectBest, SelectBestInput } from './select-best';

export interface PortSpec {
  type: PortType;
  optional?: boolean;
}

export interface StageSpec {
  /** activity: runs on a worker; builtin: evaluated in the workflow; workflow: a child workflow. */
  kind: 'activity' | 'builtin' | 'workflow';
  doc: string;
  inputs: Record<string, PortSpec>;
  outputs: Record<string, PortType>;
  /** When set, the stage is declared but cannot run yet; pipelines naming it are rejected with this reason. */
  unsupported?: string;
  /** A builtin's pure body: one object keyed by input ports in, one keyed by output ports out. */
  evaluate?: (input: Record<string, unknown>) => Record<string, unknown>;
  /**
   * Rough relative cost of one run, for progress and ETA: a PTQ trial or a validation is a few units,
   * a builtin almost nothing. A search costs this per trial of its budget. Default 1.
   */
  cost?: number;
}

const req = (type: PortType): PortSpec => ({ type });
const opt = (type: PortType): PortSpec => ({ type, optional: true });

export const STAGES: Record<string, StageSpec> = {
  importModel: {
    kind: 'activity', cost: 0.5, doc: 'Bring a model file into the artifact store.',
    inputs: { path: req('string') }, outputs: { model: 'model' },
  },
  analyzeGraph: {
    kind: 'activity', cost: 0.5, doc: 'Op census, quantizable layers, distillation nodes, model family.',
    inputs: { model: req('model') }, outputs: { analysis: 'analysis' },
  },
  cloneTeacher: {
    kind: 'activity', cost: 0.5, doc: 'Freeze the original model as the teacher.',
    inputs: { model: req('model') }, outputs: { teacher: 'model' },
  },
  ptqTrial: {
    kind: 'activity', cost: 4, doc: 'Calibrate and quantize one PTQ configuration.',
    inputs: { model: req('model'), calib: req('dataset'), ptq: opt('ptqConfig'), input: opt('json') },
    outputs: { model: 'model', trialKey: 'string', label: 'string', calibration: 'json', trial: 'json' },
  },
  estimateLatency: {
    kind: 'activity', cost: 2, doc: 'Predict latency from a latency table (the `table` path, else SLIMFLOW_LATENCY_TABLE); measure when there is none.',
    inputs: { model: req('model'), input: opt('json'), threads: opt('number'), table: opt('string') },
    outputs: { latencyMs: 'number', latency: 'latency' },
  },
  validateCandidate: {
    kind: 'activity', cost: 4, doc: 'Accuracy, teacher agreement, latency and size of one model.',
    inputs: { model: req('model'), teacher: req('model'), eval: req('dataset'), label: opt('string'), config: opt('json'), input: opt('json') },
    outputs: { candidate: 'candidate', accuracy: 'number', agreement: 'number', latencyMs: 'number', sizeBytes: 'number' },
  },
  compareLatency: {
    kind: 'activity', cost: 6, doc: 'Time the baseline, an optional reference and every candidate side by side (interleaved rounds, fixed threads); returns them with those latencies.',
    inputs: { baseline: req('candidate'), reference: opt('candidate'), candidates: req('list<candidate>'), input: opt('json') },
    outputs: { baseline: 'candidate', reference: 'candidate', candidates: 'list<candidate>', all: 'list<candidate>' },
  },
  optimizeGraph: {
    kind: 'activity', cost: 1, doc: 'FP32 graph rewrites only: opset upgrade, BatchNorm and affine folding, HardSwish fusion.',
    inputs: { model: req('model') }, outputs: { model: 'model' },
  },
  publishModel: {
    kind: 'activity', cost: 0.5, doc: 'Copy a model out of the artifact store into an output folder (atomically).',
    inputs: { model: req('model'), outputDir: req('string'), label: opt('string'), file: opt('string') }, outputs: { path: 'string' },
  },
  measureSensitivity: {
    kind: 'activity', cost: 4, doc: 'Per-layer error (SQNR, MSE) of a quantized model against its float model on calibration data, most sensitive first.',
    inputs: { model: req('model'), quantized: req('model'), calib: req('dataset'), input: opt('json'), batches: opt('number') },
    outputs: { layers: 'json' },
  },
  buildStrategyVariants: {
    kind: 'activity', cost: 3, doc: 'One model per automatic-mode strategy (INT8, INT8 with float fallbacks, channel-pruned 25/50 % + INT8) for estimateLatency to cost.',
    inputs: { model: req('model'), input: opt('json'), keepFloat: opt('json') },
    outputs: { variants: 'json' },
  },
  trainEpoch: {
    kind: 'activity', cost: 20, doc: 'One epoch (or a bounded number of steps) of distilled / QAT / sparse training, checkpointing and resuming.',
    inputs: { model: req('model'), teacher: req('model'), train: req('dataset'), config: opt('json'), state: opt('json'), epoch: opt('number'), input: opt('json') },
    outputs: { model: 'model', loss: 'number', state: 'json', epoch: 'number', steps: 'number', resumedFromStep: 'number' },
  },
  trainStrategy: {
    kind: 'workflow', cost: 60, doc: 'trainEpoch × E with validation after each, best kept, early stop (child workflow).',
    inputs: { model: req('model'), teacher: req('model'), train: req('dataset'), eval: opt('dataset'), config: opt('json'), input: opt('json') },
    outputs: { model: 'model', candidate: 'candidate', history: 'json', stoppedBy: 'string' },
  },
  ptqSearch: {
    kind: 'workflow', cost: 8, doc: 'Surrogate-guided PTQ search: batches of ptqTrial + validateCandidate on every worker (child workflow).',
    inputs: {
      model: req('model'), calib: req('dataset'), eval: req('dataset'), teacher: req('model'),
      space: opt('json'), budget: opt('number'), input: opt('json'), baseline: opt('candidate'), tolerance: opt('number'),
      latencyTargetMs: opt('number'), latencyTable: opt('string'), objective: opt('string'), seed: opt('number'), strategy: opt('string'),
      parallel: opt('number'), initial: opt('number'), patience: opt('number'), trialsPerRun: opt('number'), tester: opt('json'), modelName: opt('string'),
    },
    outputs: { best: 'candidate', trials: 'list<candidate>', bestConfig: 'ptqConfig', stoppedBy: 'string', trialsRun: 'number', runs: 'number' },
  },
  joinCandidates: {
    kind: 'builtin', cost: 0.05, doc: 'One list of candidates from two (e.g. a search\'s trials and a dynamic-quantization candidate), in order.',
    inputs: { first: req('list<candidate>'), second: opt('list<candidate>') },
    outputs: { all: 'list<candidate>' },
    evaluate: (input) => ({ all: [...(input.first as unknown[]), ...((input.second as unknown[] | undefined) ?? [])] }),
  },
  selectBest: {
    kind: 'builtin', cost: 0.05, doc: 'Fastest candidate within tolerance of the baseline, else the most accurate.',
    inputs: { candidates: req('list<candidate>'), baseline: opt('candidate'), tolerance: opt('number'), by: opt('string') },
    outputs: { best: 'candidate', model: 'model', accuracyDrop: 'number' },
    evaluate: (input) => ({ ...selectBest(input as unknown as SelectBestInput) }),
  },
};

/** The catalog entry for a stage name, or undefined (prototype keys like "toString" are not stages). */
export function stageSpec(name: string): StageSpec | undefined {
  return Object.hasOwn(STAGES, name) ? STAGES[name] : undefined;
}
