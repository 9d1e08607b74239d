// The PTQ search space: ACT's HyperParameterOptimization terms plus slimflow's own (activation
// symmetry, how many of the most sensitive layers stay in float). Pure data and functions so the
// ptqSearch workflow can hold it: an assignment is a plain object, a trial config is what ptqTrial
// takes, and the encoding is the numeric vector the surrogate learns on.
import type { PtqTrialConfig } from '../config/compile';
import { HIST_PERCENT_DEFAULT } from '../quant/calibrators/hist-default';
import { Prng } from './prng';

export type ParamValue = string | number | boolean;

export interface ParamSpec {
  name: string;
  /** categorical: unordered choices (one-hot encoded); ordinal: ordered numbers (encoded by rank). */
  kind: 'categorical' | 'ordinal';
  values: ParamValue[];
  /** Active only when another parameter takes one of these values (hist_percent only for hist). */
  when?: { param: string; in: ParamValue[] };
}

export interface SearchSpace {
  params: ParamSpec[];
  /** The trial every assignment starts from (batch size, op types, skipped nodes…). */
  base: PtqTrialConfig;
  /** Quantizable layers, most sensitive first: keep_float = k keeps the first k in float. */
  sensitiveLayers?: string[];
}

/** One point of the space: a value for every *active* parameter, nothing for inactive ones. */
export type Assignment = Record<string, ParamValue>;

/** The search-relevant part of ACT's HyperParameterOptimization section (the config schema's shape). */
export interface HpoSpec {
  ptq_algo: string[];
  weight_quantize_type: string[];
  bias_correct: boolean[];
  hist_percent?: number[];
  batch_num?: number[];
  /** ACT's round_type values to try: 'round' (nearest) and/or 'adaround'. */
  round_type?: string[];
}

/** slimflow's own dimensions, beyond ACT's. */
export interface OwnSpec {
  /** Activation range symmetry values to try (e.g. [false, true]). */
  activation_symmetric?: boolean[];
  /** Counts k of most-sensitive layers to keep in float (needs sensitiveLayers). */
  keep_float?: number[];
  sensitiveLayers?: string[];
  /** Q/DQ placements to try (QuantPost.qdq_placement: auto tries both); which is faster depends on the model and CPU. */
  placement?: NonNullable<PtqTrialConfig['placement']>[];
  /** Whether MatMuls of two activations (attention's QKᵀ, AV) are quantized too: [false, true] searches it. */
  act_matmul?: boolean[];
}

/** The hist_percent values when the config names hist without any: the calibrator's own default. */
export const DEFAULT_HIST_PERCENT = [HIST_PERCENT_DEFAULT];

const uniq = <T>(xs: readonly T[]): T[] => xs.filter((x, i) => xs.indexOf(x) === i);

/** Build the space from the HPO section, the base trial and slimflow's own dimensions; single-valued dimensions are dropped. */
export function buildSearchSpace(hpo: HpoSpec, base: PtqTrialConfig, own: OwnSpec = {}): SearchSpace {
  const params: ParamSpec[] = [];
  const add = (p: ParamSpec) => {
    if (uniq(p.values).length > 1) params.push({ ...p, values: uniq(p.values) });
  };
  // The calibrator is always a parameter (even with one value) so conditions can refer to it.
  params.push({ name: 'ptq_algo', kind: 'categorical', values: uniq(hpo.ptq_algo) });
  add({ name: 'weight_quantize_type', kind: 'categorical', values: hpo.weight_quantize_type });
  add({ name: 'bias_correct', kind: 'categorical', values: hpo.bias_correct });
  if (hpo.ptq_algo.includes('hist')) {
    const hp = [...(hpo.hist_percent ?? DEFAULT_HIST_PERCENT)].sort((a, b) => a - b);
    add({ name: 'hist_percent', kind: 'ordinal', values: hp, when: { param: 'ptq_algo', in: ['hist'] } });
  }
  if (hpo.batch_num) add({ name: 'batch_num', kind: 'ordinal', values: [...hpo.batch_num].sort((a, b) => a - b) });
  if (hpo.round_type) add({ name: 'round_type', kind: 'categorical', values: hpo.round_type });
  if (own.activation_symmetric) add({ name: 'activation_symmetric', kind: 'categorical', values: own.activation_symmetric });
  if (own.placement) add({ name: 'placement', kind: 'categorical', values: own.placement });
  if (own.act_matmul) add({ name: 'act_matmul', kind: 'categorical', values: own.act_matmul });
  const layers = own.sensitiveLayers ?? [];
  if (own.keep_float && layers.length > 0) {
    add({ name: 'keep_float', kind: 'ordinal', values: own.keep_float.filter((k) => k <= layers.length).sort((a, b) => a - b) });
  }
  return { params, base, ...(layers.length > 0 ? { sensitiveLayers: layers } : {}) };
}

/** Whether a parameter is active under the values assigned so far. */
export function isActive(p: ParamSpec, a: Assignment): boolean {
  return !p.when || p.when.in.includes(a[p.when.param]);
}

/** Drop values of inactive parameters, so equal trials have equal assignments. */
export function canonical(space: SearchSpace, a: Assignment): Assignment {
  const out: Assignment = {};
  for (const p of space.params) if (isActive(p, out) && a[p.name] !== undefined) out[p.name] = a[p.name];
  return out;
}

/** A stable string key of an assignment (parameter order of the space). */
export function assignmentKey(space: SearchSpace, a: Assignment): string {
  const c = canonical(space, a);
  return space.params.filter((p) => p.name in c).map((p) => `${p.name}=${String(c[p.name])}`).join(',');
}

/** Every distinct assignment of the space (the grid), in a fixed order. */
export function enumerateSpace(space: SearchSpace): Assignment[] {
  let out: Assignment[] = [{}];
  for (const p of space.params) {
    const next: Assignment[] = [];
    for (const a of out) {
      if (!isActive(p, a)) next.push(a);
      else for (const v of p.values) next.push({ ...a, [p.name]: v });
    }
    out = next;
  }
  return out;
}

/** The number of distinct assignments (the grid size). */
export const spaceSize = (space: SearchSpace): number => enumerateSpace(space).length;

/** A uniformly drawn value for each active parameter. */
export function randomAssignment(space: SearchSpace, rng: Prng): Assignment {
  const a: Assignment = {};
  for (const p of space.params) if (isActive(p, a)) a[p.name] = p.values[rng.int(p.values.length)];
  return a;
}

/** Length of the encoded vector. */
export const encodedLength = (space: SearchSpace): number =>
  space.params.reduce((n, p) => n + (p.kind === 'categorical' ? p.values.length : 1), 0);

// Inactive parameters encode as -1, outside every active value's range [0, 1], so a tree can
// separate "not applicable" from any real value (as SMAC imputes inactive hyperparameters).
const INACTIVE = -1;

/** The numeric vector the surrogate learns on: one-hot categoricals, ranks scaled to [0, 1] for ordinals. */
export function encode(space: SearchSpace, a: Assignment): number[] {
  const x: number[] = [];
  for (const p of space.params) {
    const i = p.values.indexOf(a[p.name]);
    const active = isActive(p, a) && i >= 0;
    if (p.kind === 'categorical') for (let j = 0; j < p.values.length; j++) x.push(active ? Number(i === j) : INACTIVE);
    else x.push(active ? (p.values.length > 1 ? i / (p.values.length - 1) : 0) : INACTIVE);
  }
  return x;
}

/** The assignment a vector encodes (argmax of one-hots, nearest rank of ordinals); inverse of encode. */
export function decodeVector(space: SearchSpace, x: readonly number[]): Assignment {
  const a: Assignment = {};
  let o = 0;
  for (const p of space.params) {
    const width = p.kind === 'categorical' ? p.values.length : 1;
    const slot = x.slice(o, o + width);
    o += width;
    if (!isActive(p, a)) continue;
    if (p.kind === 'categorical') {
      let best = 0;
      slot.forEach((v, j) => { if (v > slot[best]) best = j; });
      a[p.name] = p.values[best];
    } else {
      const r = Math.round(Math.min(1, Math.max(0, slot[0])) * (p.values.length - 1));
      a[p.name] = p.values[r];
    }
  }
  return a;
}

/** The ptqTrial config an assignment stands for. */
export function toTrialConfig(space: SearchSpace, a: Assignment): PtqTrialConfig {
  const c = canonical(space, a);
  const t: PtqTrialConfig = { ...space.base, skipNodes: [...space.base.skipNodes] };
  if (c.ptq_algo !== undefined) t.calibrator = String(c.ptq_algo);
  if (c.weight_quantize_type !== undefined) t.perChannel = c.weight_quantize_type === 'channel_wise_abs_max';
  if (c.bias_correct !== undefined) t.biasCorrect = Boolean(c.bias_correct);
  if (c.batch_num !== undefined) t.batchNum = Number(c.batch_num);
  if (c.round_type === 'adaround') t.roundType = 'adaround';
  else if (c.round_type !== undefined) delete t.roundType;
  // hist_percent is the hist calibrator's only; other calibrators must not carry a stale one.
  if (t.calibrator !== 'hist') delete t.histPercent;
  else if (c.hist_percent !== undefined) t.histPercent = Number(c.hist_percent);
  if (c.activation_symmetric !== undefined) t.symmetric = Boolean(c.activation_symmetric);
  if (c.placement !== undefined) t.placement = c.placement as PtqTrialConfig['placement'];
  if (c.act_matmul === true) t.actMatMul = true;
  else if (c.act_matmul === false) delete t.actMatMul;
  const k = Number(c.keep_float ?? 0);
  if (k > 0 && space.sensitiveLayers) t.skipNodes = uniq([...t.skipNodes, ...space.sensitiveLayers.slice(0, k)]);
  return t;
}

/** The assignment closest to the base trial (its calibrator, weight type… where the space has them): the tester's point. */
export function baseAssignment(space: SearchSpace): Assignment {
  const b = space.base;
  const want: Record<string, ParamValue | undefined> = {
    ptq_algo: b.calibrator,
    weight_quantize_type: b.perChannel ? 'channel_wise_abs_max' : 'abs_max',
    bias_correct: b.biasCorrect,
    hist_percent: b.histPercent,
    batch_num: b.batchNum,
    round_type: b.roundType ?? 'round',
    activation_symmetric: b.symmetric ?? false,
    placement: b.placement,
    act_matmul: b.actMatMul ?? false,
    keep_float: 0,
  };
  const a: Assignment = {};
  for (const p of space.params) {
    if (!isActive(p, a)) continue;
    const w = want[p.name];
    a[p.name] = w !== undefined && p.values.includes(w) ? w : p.values[0];
  }
  return a;
}
