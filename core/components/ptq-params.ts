// The PTQ trial's parameters, each declared once: its value schema, default, config keys (QuantPost's
// and HyperParameterOptimization's list), how it becomes a search dimension, the PtqTrialConfig field
// it sets and the quantizer option it stands for. Derived from this list: the QuantPost and
// HyperParameterOptimization schema keys (core/config/schema.ts), the base trial (compile.ts), the
// search space, assignments' trial configs and the tester point (core/search/space.ts), and
// quantizeOptionsFor (core/quant/trial-options.ts). Adding a parameter is one entry here (and its
// field in PtqTrialConfig). Import-free but for zod and declarations: the workflows bundle it.
import { z } from 'zod';
import type { PtqTrialConfig } from '../config/compile';
import type { QuantizeOptions } from '../quant/ptq';
import { calibratorNames, calibratorParam, knownCalibratorsText, resolveCalibratorName } from '../quant/calibrators/catalog';
import { ROUND_TYPES } from '../quant/rounding-catalog';
import { WEIGHT_QUANTIZE_TYPES } from '../quant/weight-quantizers';
import { PLACEMENTS } from '../config/placements';
import type { ParamValue } from './param';

/** A calibrator's registered name; onnxruntime's and INC's names for the same method are read as it (core/quant/calibrators/aliases.ts). */
export const calibrationAlgo = z.string().min(1).transform((name, ctx) => {
  const known = resolveCalibratorName(name);
  if (known) return known;
  ctx.issues.push({ code: 'custom', input: name, message: `unknown calibrator "${name}"; ${knownCalibratorsText()}` });
  return z.NEVER;
});

/** One parameter of a PTQ trial. */
export interface TrialParam<V extends ParamValue = ParamValue> {
  /** The search dimension's name and HyperParameterOptimization's list key. */
  readonly key: string;
  readonly doc: string;
  /** One value. */
  readonly schema: z.ZodType<V>;
  /** What a trial runs with when neither the config nor the search sets it. */
  readonly default: V;
  /**
   * The QuantPost key, when it has one. `optional`: the key has no schema default (absent means
   * `default`) and the base trial leaves the field unset; `schema` replaces the derived key schema.
   */
  readonly quantPost?: { readonly key: string; readonly optional?: true; readonly schema?: z.ZodType };
  /** HyperParameterOptimization's list: its default (absent: the key is optional). false: no list key. */
  readonly hpo?: { readonly default?: readonly V[] } | false;
  /** categorical: unordered choices; ordinal: ordered numbers (sorted, encoded by rank). */
  readonly kind: 'categorical' | 'ordinal';
  /** A dimension even with one value (conditions refer to it). */
  readonly always?: true;
  /** Active only when another parameter takes one of these values; the trial field is cleared otherwise. */
  readonly when?: { readonly param: string; readonly in: readonly ParamValue[] };
  /** Counts of the space's sensitive layers (values above their number are dropped; no layers, no dimension). */
  readonly countsLayers?: true;
  /** Changes only the numbers a quantized graph carries, never which ops it runs (core/search/stopping). */
  readonly graphNeutral: boolean;
  /** The value a trial stands for (undefined: unset, i.e. `default`). */
  get(t: PtqTrialConfig): V | undefined;
  /** Set the value on a trial (`layers`: the space's sensitive layers, most sensitive first). */
  set(t: PtqTrialConfig, v: V, layers?: readonly string[]): void;
  /** Unset it (a conditional parameter whose condition fails). */
  clear?(t: PtqTrialConfig): void;
  /**
   * The quantizer options its value stands for; `calibratorParam`: it is that parameter of the
   * calibrator instead. Placement's options are core/quant/trial-options.ts PLACEMENT_OPTIONS (they
   * name the quantizer's op lists); keep_float's are the trial's skipped nodes.
   */
  readonly options?: (t: PtqTrialConfig) => Partial<QuantizeOptions>;
  readonly calibratorParam?: string;
}

type QuantPostDecl = NonNullable<TrialParam['quantPost']>;
type HpoDecl = TrialParam['hpo'];

/** Declare a parameter, keeping its key names and value type (the config schema's types derive from them). */
function declare<const K extends string, V extends ParamValue, const Q extends QuantPostDecl | undefined = undefined, const H extends HpoDecl = undefined>(
  p: Omit<TrialParam<V>, 'key' | 'quantPost' | 'hpo'> & { key: K; quantPost?: Q; hpo?: H },
): TrialParam<V> & { key: K; quantPost: Q; hpo: H } {
  return p as TrialParam<V> & { key: K; quantPost: Q; hpo: H };
}

const uniq = <T>(xs: readonly T[]): T[] => xs.filter((x, i) => xs.indexOf(x) === i);

const histPercent = calibratorParam('hist', 'hist_percent');
const symmetric = calibratorParam('abs_max', 'symmetric');

/** The PTQ trial's parameters, in the order of the search space's dimensions. */
const DECLARED = [
  declare({
    key: 'ptq_algo', doc: `the calibrator (${calibratorNames().join(', ')}); the HPO list defaults to every family of range`,
    schema: calibrationAlgo as unknown as z.ZodType<string>, default: 'abs_max',
    quantPost: { key: 'algo' }, hpo: { default: calibratorNames() }, kind: 'categorical', always: true, graphNeutral: true,
    get: (t) => t.calibrator, set: (t, v) => { t.calibrator = v; },
    options: (t) => ({ calibrator: t.calibrator }),
  }),
  declare({
    key: 'weight_quantize_type', doc: 'weight scales per output channel or per tensor',
    schema: z.enum(WEIGHT_QUANTIZE_TYPES), default: 'channel_wise_abs_max',
    quantPost: { key: 'weight_quantize_type' }, hpo: { default: ['channel_wise_abs_max'] }, kind: 'categorical', graphNeutral: false,
    get: (t) => (t.perChannel ? 'channel_wise_abs_max' : 'abs_max'), set: (t, v) => { t.perChannel = v === 'channel_wise_abs_max'; },
    options: (t) => ({ weightQuantizer: t.perChannel ? 'channel_wise_abs_max' : 'abs_max' }),
  }),
  declare({
    key: 'bias_correct', doc: 'fold the mean output shift of weight quantization into each layer\'s bias',
    schema: z.boolean(), default: false,
    quantPost: { key: 'bias_correct' }, hpo: { default: [false] }, kind: 'categorical', graphNeutral: true,
    get: (t) => t.biasCorrect, set: (t, v) => { t.biasCorrect = v; },
    options: (t) => ({ biasCorrection: t.biasCorrect }),
  }),
  declare({
    key: 'hist_percent', doc: histPercent.doc,
    schema: histPercent.schema as z.ZodType<number>, default: histPercent.default as number,
    quantPost: { key: 'hist_percent', optional: true }, kind: 'ordinal', when: { param: 'ptq_algo', in: ['hist'] }, graphNeutral: true,
    get: (t) => t.histPercent, set: (t, v) => { t.histPercent = v; }, clear: (t) => { delete t.histPercent; },
    calibratorParam: 'hist_percent',
  }),
  declare({
    key: 'batch_num', doc: 'calibration batches read',
    schema: z.number().int().positive(), default: 8,
    quantPost: { key: 'batch_num' }, kind: 'ordinal', graphNeutral: true,
    get: (t) => t.batchNum, set: (t, v) => { t.batchNum = v; },
    options: (t) => ({ batchNum: t.batchNum }),
  }),
  declare({
    key: 'round_type', doc: 'ACT\'s round_type: nearest rounding, or AdaRound (weights rounded up or down to fit each layer\'s float output)',
    schema: z.enum(ROUND_TYPES), default: 'round',
    quantPost: { key: 'round_type', optional: true }, kind: 'categorical', graphNeutral: true,
    get: (t) => t.roundType ?? 'round',
    set: (t, v) => { if (v === 'round') delete t.roundType; else t.roundType = v; },
    options: (t) => (t.roundType && t.roundType !== 'round' ? { weightRounding: t.roundType, weightRoundingParams: t.roundParams ?? {} } : {}),
  }),
  declare({
    key: 'activation_symmetric', doc: 'slimflow\'s own: activation ranges symmetric around zero (the calibrator\'s symmetric parameter)',
    schema: symmetric.schema as z.ZodType<boolean>, default: symmetric.default as boolean,
    kind: 'categorical', graphNeutral: false,
    get: (t) => t.symmetric, set: (t, v) => { t.symmetric = v; },
    calibratorParam: 'symmetric',
  }),
  declare({
    key: 'placement', doc: 'where Q/DQ go (QuantPost.qdq_placement: auto tries each placement, measured)',
    schema: z.enum(PLACEMENTS), default: 'integer-path',
    // 'auto' is no placement: the compiler makes it a dimension over every placement (compile.ts).
    quantPost: { key: 'qdq_placement', schema: z.enum(['auto', ...PLACEMENTS]).default('auto') }, hpo: false, kind: 'categorical', graphNeutral: false,
    get: (t) => t.placement, set: (t, v) => { t.placement = v; },
  }),
  declare({
    key: 'act_matmul', doc: 'slimflow\'s own: quantize MatMuls of two activations (attention\'s QKᵀ and AV) too; absent from QuantPost: the automatic mode searches both for a transformer (core/quant/act-matmul.ts)',
    schema: z.boolean(), default: false,
    quantPost: { key: 'quantize_act_matmul', optional: true }, hpo: false, kind: 'categorical', graphNeutral: false,
    get: (t) => t.actMatMul ?? false, set: (t, v) => { if (v) t.actMatMul = true; else delete t.actMatMul; },
    options: (t) => (t.actMatMul ? { quantizeActMatMul: true } : {}),
  }),
  declare({
    key: 'keep_float', doc: 'slimflow\'s own: how many of the most sensitive layers (measured by autoCompress) a trial keeps in float',
    schema: z.number().int().min(0), default: 0,
    kind: 'ordinal', countsLayers: true, graphNeutral: false,
    // Float layers are skipped nodes: the trial carries them, not the count.
    get: () => undefined,
    set: (t, k, layers) => { if (k > 0 && layers) t.skipNodes = uniq([...t.skipNodes, ...layers.slice(0, k)]); },
  }),
  declare({
    key: 'quantize_embeddings', doc: 'slimflow\'s own: store Gather tables (embeddings) as int8 with per-row scales, static and dynamic (core/quant/embedding.ts)',
    schema: z.boolean(), default: false,
    quantPost: { key: 'quantize_embeddings' }, hpo: false, kind: 'categorical', graphNeutral: false,
    get: (t) => t.embeddings ?? false, set: (t, v) => { if (v) t.embeddings = true; else delete t.embeddings; },
    options: (t) => (t.embeddings ? { quantizeEmbeddings: true } : {}),
  }),
] as const;

/** The PTQ trial's parameters, in the order of the search space's dimensions. */
export const TRIAL_PARAMS: readonly TrialParam[] = DECLARED;

type Declared = (typeof DECLARED)[number];
type ValueOf<P> = P extends TrialParam<infer V> ? V : never;
type QuantPostSchema<P> = P extends { quantPost: { schema: infer S extends z.ZodType } } ? S
  : P extends { quantPost: { optional: true } } ? z.ZodOptional<z.ZodType<ValueOf<P>>> : z.ZodDefault<z.ZodType<ValueOf<P>>>;
/** QuantPost's keys of the declared parameters, typed (so the job config's type has them). */
export type QuantPostShape = { [P in Declared as P['quantPost'] extends { key: infer K extends string } ? K : never]: QuantPostSchema<P> };
/** HyperParameterOptimization's list keys, typed. */
export type HpoShape = {
  [P in Declared as P['hpo'] extends false ? never : P['key']]: P['hpo'] extends { default: readonly unknown[] }
    ? z.ZodDefault<z.ZodArray<z.ZodType<ValueOf<P>>>> : z.ZodOptional<z.ZodArray<z.ZodType<ValueOf<P>>>>;
};

/** A declared trial parameter by key, or undefined. */
export const trialParam = (key: string): TrialParam | undefined => TRIAL_PARAMS.find((p) => p.key === key);

/** A trial parameter's value schema with its default, as a config key that always has a value reads it. */
const valueWithDefault = (p: TrialParam) => (p.schema as z.ZodType<ParamValue>).default(p.default as never);

/** QuantPost's keys for the declared parameters (the other QuantPost keys are schema.ts's own). */
export function quantPostKeys(): QuantPostShape {
  return Object.fromEntries(TRIAL_PARAMS.filter((p) => p.quantPost).map((p) => {
    const q = p.quantPost!;
    return [q.key, q.schema ?? (q.optional ? p.schema.optional() : valueWithDefault(p))];
  })) as unknown as QuantPostShape;
}

/** QuantPost's declared keys that have a default, with it (what a config without QuantPost means). */
export function quantPostDefaults(): Record<string, unknown> {
  const shape = quantPostKeys() as unknown as Record<string, z.ZodType>;
  return Object.fromEntries(TRIAL_PARAMS.filter((p) => p.quantPost && !p.quantPost.optional).map((p) => [p.quantPost!.key, shape[p.quantPost!.key].parse(undefined)]));
}

/** HyperParameterOptimization's list keys: the values to try per parameter. */
export function hpoKeys(): HpoShape {
  return Object.fromEntries(TRIAL_PARAMS.filter((p) => p.hpo !== false).map((p) => {
    const list = p.always ? z.array(p.schema).min(1) : z.array(p.schema);
    const d = p.hpo ? p.hpo.default : undefined;
    return [p.key, d ? list.default([...d] as never) : list.optional()];
  })) as unknown as HpoShape;
}

/** A trial value is "set" when it differs from unset: the base trial leaves optional parameters unset when the config does. */
export function applyQuantPost(t: PtqTrialConfig, qp: Record<string, unknown> | undefined): void {
  for (const p of TRIAL_PARAMS) {
    const q = p.quantPost;
    // A key with its own schema (qdq_placement's 'auto') is compiled by compile.ts, not set here.
    if (!q || q.schema) continue;
    const v = qp?.[q.key] as ParamValue | undefined;
    if (v === undefined && q.optional) continue;
    p.set(t, v ?? p.default);
  }
}

/** Clear the conditional parameters whose condition the trial does not meet (hist_percent of a non-hist trial). */
export function clearInactive(t: PtqTrialConfig): void {
  for (const p of TRIAL_PARAMS) {
    if (!p.when || !p.clear) continue;
    const on = trialParam(p.when.param)?.get(t);
    if (on === undefined || !p.when.in.includes(on)) p.clear(t);
  }
}

/** The quantizer options the declared parameters of a trial stand for (calibrator parameters gathered; none when it sets none). */
export function paramOptions(t: PtqTrialConfig): Partial<QuantizeOptions> {
  const out: Partial<QuantizeOptions> = {};
  const calibratorParams: Record<string, ParamValue> = {};
  for (const p of TRIAL_PARAMS) {
    if (p.calibratorParam) {
      const v = p.get(t);
      if (v !== undefined) calibratorParams[p.calibratorParam] = v;
    } else if (p.options) Object.assign(out, p.options(t));
  }
  return { ...out, ...(Object.keys(calibratorParams).length > 0 ? { calibratorParams } : {}) };
}

/** The graph-neutral dimensions (core/search/stopping). */
export const graphNeutralKeys = (): string[] => TRIAL_PARAMS.filter((p) => p.graphNeutral).map((p) => p.key);
