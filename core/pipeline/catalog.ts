// The stage catalog: every stage a pipeline may name, with typed input and output ports, and for an
// activity its timeout preset. It is the one definition of a stage: each entry's zod input and
// output schemas are built from its ports, and the activities' interface (workflows/stage-activities.ts)
// is their inferred type. Adding a stage is one entry here (plus its activity, or an `evaluate` for a builtin).
import { z } from 'zod';
import { PortType, portSchema, PortValue } from './ports';
import { selectBest, SelectBestInput } from './select-best';

/** A port: its pipeline type, and for a `json` port the shape its stage reads or writes (pipelines still see json). */
export interface PortSpec<T extends PortType = PortType> {
  type: T;
  optional?: boolean;
  /** The value may be null (e.g. accuracy without labels, a reference candidate not given). */
  nullable?: boolean;
  /** The value's own schema, narrower than the port type's (only for `json` ports). */
  schema?: z.ZodType;
}

/** Which activity option preset a stage runs under (workflows/timeouts.ts holds the options). */
export type StageTimeout = 'short' | 'long';

export type StageKind = 'activity' | 'builtin' | 'workflow';

export interface StageSpec {
  /** activity: runs on a worker; builtin: evaluated in the workflow; workflow: a child workflow. */
  kind: StageKind;
  doc: string;
  inputs: Record<string, PortSpec>;
  /** Output ports by type (what the validator reads); nullable and shaped outputs are told apart in `output`. */
  outputs: Record<string, PortType>;
  /** The schema of the stage's input object (one key per input port) and of its output object. */
  input: z.ZodType;
  output: z.ZodType;
  /** An activity's timeout preset. */
  timeout?: StageTimeout;
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

/** The value a port carries: its schema's type when it has one, else its port type's, and null when nullable. */
type ValueOf<P extends PortSpec> = (P['schema'] extends z.ZodType ? z.infer<P['schema']> : PortValue<P['type']>) | (P['nullable'] extends true ? null : never);
type OptionalKeys<I> = { [K in keyof I]: I[K] extends { optional: true } ? K : never }[keyof I];
/** The object a stage takes or returns, keyed by its ports (optional ports optional). */
export type PortsValue<I extends Record<string, PortSpec>> =
  { [K in Exclude<keyof I, OptionalKeys<I>>]: ValueOf<I[K]> } & { [K in OptionalKeys<I>]?: ValueOf<I[K]> };

const req = <T extends PortType>(type: T) => ({ type });
const opt = <T extends PortType>(type: T) => ({ type, optional: true as const });
/** A port whose value may be null. */
const orNull = <P extends PortSpec>(p: P) => ({ ...p, nullable: true as const });
/** A json port with the shape its stage really reads or writes. */
const shaped = <S extends z.ZodType, O extends boolean = false>(schema: S, optional?: O) => ({ type: 'json' as const, schema, ...(optional ? { optional: true as const } : {}) }) as { type: 'json'; schema: S } & (O extends true ? { optional: true } : {});

const schemaOf = (p: PortSpec): z.ZodType => {
  const base = p.schema ?? portSchema(p.type);
  const value = p.nullable ? base.nullable() : base;
  return p.optional ? value.optional() : value;
};
const objectOf = (ports: Record<string, PortSpec>) => z.object(Object.fromEntries(Object.entries(ports).map(([k, p]) => [k, schemaOf(p)])));

type OutSpec = PortType | PortSpec;
type OutPorts<O extends Record<string, OutSpec>> = { [K in keyof O]: O[K] extends PortType ? { type: O[K] } : O[K] extends PortSpec ? O[K] : never };

/** A catalog entry with its schemas built from its ports, typed precisely (the activity interface is derived from this). */
export interface TypedStage<K extends StageKind, I extends Record<string, PortSpec>, O extends Record<string, PortSpec>> extends StageSpec {
  kind: K;
  input: z.ZodType<PortsValue<I>>;
  output: z.ZodType<PortsValue<O>>;
}

interface StageDef<K extends StageKind, I extends Record<string, PortSpec>, O extends Record<string, OutSpec>> {
  kind: K;
  doc: string;
  inputs: I;
  outputs: O;
  timeout?: StageTimeout;
  unsupported?: string;
  evaluate?: StageSpec['evaluate'];
  cost?: number;
}

function stage<K extends StageKind, I extends Record<string, PortSpec>, O extends Record<string, OutSpec>>(def: StageDef<K, I, O>): TypedStage<K, I, OutPorts<O>> {
  const outputPorts = Object.fromEntries(Object.entries(def.outputs).map(([k, o]) => [k, typeof o === 'string' ? { type: o } : o])) as Record<string, PortSpec>;
  return {
    ...def,
    outputs: Object.fromEntries(Object.entries(outputPorts).map(([k, p]) => [k, p.type])),
    input: objectOf(def.inputs),
    output: objectOf(outputPorts),
  } as unknown as TypedStage<K, I, OutPorts<O>>;
}

/** An activity stage: it runs on a worker under a timeout preset. */
const activity = <I extends Record<string, PortSpec>, O extends Record<string, OutSpec>>(timeout: StageTimeout, def: Omit<StageDef<'activity', I, O>, 'kind' | 'timeout'>) =>
  stage({ ...def, kind: 'activity' as const, timeout });

// Shapes of json ports the activities read or write.
const layerRows = z.array(z.object({ layer: z.string(), tensor: z.string(), mse: z.number(), sqnr: z.number() }));
const checkpoint = portSchema('model').nullable();

/** Every stage, each entry typed precisely (STAGES is the same catalog, looked up by any name). */
export const CATALOG = {
  importModel: activity('short', {
    cost: 0.5, doc: 'Bring a model file into the artifact store.',
    inputs: { path: req('string') }, outputs: { model: 'model' },
  }),
  analyzeGraph: activity('short', {
    cost: 0.5, doc: 'Op census, quantizable layers, distillation nodes, model family.',
    inputs: { model: req('model') }, outputs: { analysis: 'analysis' },
  }),
  cloneTeacher: activity('short', {
    cost: 0.5, doc: 'Freeze the original model as the teacher.',
    inputs: { model: req('model') }, outputs: { teacher: 'model' },
  }),
  ptqTrial: activity('long', {
    cost: 4, doc: 'Calibrate and quantize one PTQ configuration.',
    inputs: { model: req('model'), calib: req('dataset'), ptq: opt('ptqConfig'), input: opt('json') },
    outputs: { model: 'model', trialKey: 'string', label: 'string', calibration: 'json', trial: 'json' },
  }),
  estimateLatency: activity('long', {
    cost: 2, doc: 'Predict latency from a latency table (the `table` path, else SLIMFLOW_LATENCY_TABLE); measure when there is none.',
    inputs: { model: req('model'), input: opt('json'), threads: opt('number'), table: opt('string') },
    outputs: { latencyMs: 'number', latency: 'latency' },
  }),
  validateCandidate: activity('long', {
    cost: 4, doc: 'Accuracy, teacher agreement, latency and size of one model.',
    inputs: { model: req('model'), teacher: req('model'), eval: req('dataset'), label: opt('string'), config: opt('json'), input: opt('json') },
    outputs: { candidate: 'candidate', accuracy: orNull(req('number')), agreement: 'number', latencyMs: 'number', sizeBytes: 'number' },
  }),
  compareLatency: activity('long', {
    cost: 6, doc: 'Time the baseline, an optional reference and every candidate side by side (interleaved rounds, fixed threads); returns them with those latencies.',
    inputs: { baseline: req('candidate'), reference: orNull(opt('candidate')), candidates: req('list<candidate>'), input: opt('json') },
    outputs: { baseline: 'candidate', reference: orNull(req('candidate')), candidates: 'list<candidate>', all: 'list<candidate>' },
  }),
  optimizeGraph: activity('short', {
    cost: 1, doc: 'FP32 graph rewrites only: opset upgrade, BatchNorm and affine folding, HardSwish fusion.',
    inputs: { model: req('model') }, outputs: { model: 'model' },
  }),
  publishModel: activity('short', {
    cost: 0.5, doc: 'Copy a model out of the artifact store into an output folder (atomically).',
    inputs: { model: req('model'), outputDir: req('string'), label: opt('string'), file: opt('string') }, outputs: { path: 'string' },
  }),
  measureSensitivity: activity('long', {
    cost: 4, doc: 'Per-layer error (SQNR, MSE) of a quantized model against its float model on calibration data, most sensitive first.',
    inputs: { model: req('model'), quantized: req('model'), calib: req('dataset'), input: opt('json'), batches: opt('number') },
    outputs: { layers: shaped(layerRows) },
  }),
  buildStrategyVariants: activity('long', {
    cost: 3, doc: 'One model per automatic-mode strategy (INT8, INT8 with float fallbacks, channel-pruned 25/50 % + INT8) for estimateLatency to cost.',
    inputs: { model: req('model'), input: opt('json'), keepFloat: shaped(z.array(z.string()), true) },
    outputs: { variants: shaped(z.record(z.string(), portSchema('model'))) },
  }),
  trainEpoch: activity('long', {
    cost: 20, doc: 'One epoch (or a bounded number of steps) of distilled / QAT / sparse training, checkpointing and resuming.',
    inputs: { model: req('model'), teacher: req('model'), train: req('dataset'), config: opt('json'), state: shaped(checkpoint, true), epoch: opt('number'), input: opt('json') },
    outputs: { model: 'model', loss: 'number', state: shaped(portSchema('model')), epoch: 'number', steps: 'number', resumedFromStep: 'number' },
  }),
  trainStrategy: stage({
    kind: 'workflow', cost: 60, doc: 'trainEpoch × E with validation after each, best kept, early stop (child workflow).',
    inputs: { model: req('model'), teacher: req('model'), train: req('dataset'), eval: opt('dataset'), config: opt('json'), input: opt('json') },
    outputs: { model: 'model', candidate: 'candidate', history: 'json', stoppedBy: 'string' },
  }),
  ptqSearch: stage({
    kind: 'workflow', cost: 8, doc: 'Surrogate-guided PTQ search: batches of ptqTrial + validateCandidate on every worker (child workflow).',
    inputs: {
      model: req('model'), calib: req('dataset'), eval: req('dataset'), teacher: req('model'),
      space: opt('json'), budget: opt('number'), input: opt('json'), baseline: opt('candidate'), tolerance: opt('number'),
      latencyTargetMs: opt('number'), latencyTable: opt('string'), objective: opt('string'), seed: opt('number'), strategy: opt('string'),
      parallel: opt('number'), initial: opt('number'), patience: opt('number'), trialsPerRun: opt('number'), tester: opt('json'), modelName: opt('string'),
    },
    outputs: { best: 'candidate', trials: 'list<candidate>', bestConfig: 'ptqConfig', stoppedBy: 'string', trialsRun: 'number', runs: 'number' },
  }),
  joinCandidates: stage({
    kind: 'builtin', cost: 0.05, doc: 'One list of candidates from two (e.g. a search\'s trials and a dynamic-quantization candidate), in order.',
    inputs: { first: req('list<candidate>'), second: opt('list<candidate>') },
    outputs: { all: 'list<candidate>' },
    evaluate: (input) => ({ all: [...(input.first as unknown[]), ...((input.second as unknown[] | undefined) ?? [])] }),
  }),
  selectBest: stage({
    kind: 'builtin', cost: 0.05, doc: 'Fastest candidate within tolerance of the baseline, else the most accurate.',
    inputs: { candidates: req('list<candidate>'), baseline: opt('candidate'), tolerance: opt('number'), by: opt('string') },
    outputs: { best: 'candidate', model: 'model', accuracyDrop: 'number' },
    evaluate: (input) => ({ ...selectBest(input as unknown as SelectBestInput) }),
  }),
} as const;

export const STAGES: Record<string, StageSpec> = CATALOG;

/** The catalog's activity stages (what a worker must implement). */
export type ActivityStageName = { [K in keyof typeof CATALOG]: (typeof CATALOG)[K]['kind'] extends 'activity' ? K : never }[keyof typeof CATALOG];

/** The catalog entry for a stage name, or undefined (prototype keys like "toString" are not stages). */
export function stageSpec(name: string): StageSpec | undefined {
  return Object.hasOwn(STAGES, name) ? STAGES[name] : undefined;
}
