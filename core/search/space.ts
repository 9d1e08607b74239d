// The PTQ search space: one dimension per declared trial parameter (core/components/ptq-params.ts):
// ACT's HyperParameterOptimization terms plus slimflow's own (activation symmetry, placement, how many
// of the most sensitive layers stay in float). Pure data and functions so the
// ptqSearch workflow can hold it: an assignment is a plain object, a trial config is what ptqTrial
// takes, and the encoding is the numeric vector the surrogate learns on.
import type { PtqTrialConfig } from '../config/compile';
import { DEFAULT_QUANT_OP_TYPES } from '../config/quant-defaults';
import type { ParamValue } from '../components/param';
import { applyQuantPost, clearInactive, TRIAL_PARAMS, trialParam } from '../components/ptq-params';
import { Prng } from './prng';

export type { ParamValue };

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

/**
 * The values to try per declared trial parameter (core/components/ptq-params.ts), by its key:
 * HyperParameterOptimization's lists (ptq_algo, hist_percent…) and slimflow's own dimensions
 * (placement, keep_float…). Absent: the base trial's value.
 */
export type SpaceLists = { readonly [key: string]: readonly ParamValue[] | undefined };

/** The space as a pipeline or autoCompress gives it: the lists, the layers keep_float counts, and the base trial. */
export interface SpaceInput {
  readonly [key: string]: unknown;
  sensitiveLayers?: string[];
  base?: Partial<PtqTrialConfig>;
}

const uniq = <T>(xs: readonly T[]): T[] => xs.filter((x, i) => xs.indexOf(x) === i);

/**
 * Build the space from the value lists and the base trial, one dimension per declared parameter in
 * declaration order: single-valued dimensions are dropped (but those marked `always`), a conditional
 * one is kept only when its condition can hold, and counts of layers need the layers.
 */
export function buildSearchSpace(hpo: SpaceLists, base: PtqTrialConfig, own: SpaceLists & { sensitiveLayers?: string[] } = {}): SearchSpace {
  const params: ParamSpec[] = [];
  const lists: SpaceLists = { ...hpo, ...own };
  const layers = own.sensitiveLayers ?? [];
  for (const d of TRIAL_PARAMS) {
    let values = lists[d.key] ?? (d.always ? [d.get(base) ?? d.default] : undefined);
    if (!values) continue;
    const on = d.when && params.find((p) => p.name === d.when!.param);
    if (d.when && !on?.values.some((v) => d.when!.in.includes(v))) continue;
    if (d.countsLayers) {
      if (layers.length === 0) continue;
      values = values.filter((k) => Number(k) <= layers.length);
    }
    values = uniq(values);
    if (d.kind === 'ordinal') values = [...values].sort((a, b) => Number(a) - Number(b));
    if (values.length > 1 || d.always) params.push({ name: d.key, kind: d.kind, values: [...values], ...(d.when ? { when: { param: d.when.param, in: [...d.when.in] } } : {}) });
  }
  return { params, base, ...(layers.length > 0 ? { sensitiveLayers: layers } : {}) };
}

/** The trial every assignment starts from when the input gives none: each declared parameter's default, ptqTrial's batch and op types. */
export function defaultTrial(): PtqTrialConfig {
  const t = { calibrator: '', perChannel: true, biasCorrect: false, batchSize: 8, batchNum: 0, opTypes: [...DEFAULT_QUANT_OP_TYPES], skipNodes: [] } as PtqTrialConfig;
  applyQuantPost(t, undefined);
  return t;
}

/** The search space from a pipeline's or autoCompress's input, over the default trial. */
export function resolveSpace(s: SpaceInput = {}): SearchSpace {
  const base: PtqTrialConfig = { ...defaultTrial(), ...(s.base ?? {}) };
  return buildSearchSpace(s as SpaceLists, base, { sensitiveLayers: s.sensitiveLayers });
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

/** The ptqTrial config an assignment stands for: each declared parameter's value set on the base trial. */
export function toTrialConfig(space: SearchSpace, a: Assignment): PtqTrialConfig {
  const c = canonical(space, a);
  const t: PtqTrialConfig = { ...space.base, skipNodes: [...space.base.skipNodes] };
  for (const d of TRIAL_PARAMS) if (c[d.key] !== undefined) d.set(t, c[d.key], space.sensitiveLayers);
  // hist_percent is the hist calibrator's only; other calibrators must not carry a stale one.
  clearInactive(t);
  return t;
}

/** The assignment closest to the base trial (its calibrator, weight type… where the space has them): the tester's point. */
export function baseAssignment(space: SearchSpace): Assignment {
  const a: Assignment = {};
  for (const p of space.params) {
    if (!isActive(p, a)) continue;
    const d = trialParam(p.name);
    const w = d ? d.get(space.base) ?? d.default : undefined;
    a[p.name] = w !== undefined && p.values.includes(w) ? w : p.values[0];
  }
  return a;
}
