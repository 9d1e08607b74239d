import { z } from 'zod';
import { SlimflowError } from '../errors';
import { GraphProto } from '../onnx/proto';
import { adaroundRounding } from './adaround';
import { ActivationObserver } from './collect';
import { NodeMark } from './op-handlers';
import { roundingParamsSchema, WEIGHT_ROUNDINGS } from './rounding-catalog';

/** What a rounding algorithm gets to work on: the prepared float graph and the plan's layers. */
export interface RoundingContext {
  graph: GraphProto;
  marks: NodeMark[];
  /** The model-wide largest int8 weight magnitude (a mark's own weightQmax wins). */
  weightQmax: number;
  threads?: number;
  /** Progress of a long learning run (about once a second); an activity heartbeats from it. */
  onProgress?: (p: { stage: string; done: number; total: number }) => void;
}

/** One layer's output error (Σ over sampled columns of ‖ΔW·x‖², in squared quantization steps) under both roundings. */
export interface RoundedLayer { layer: string; nearestLoss: number; learnedLoss: number; kept: 'learned' | 'nearest' }

export interface RoundingReport {
  name: string;
  layers: RoundedLayer[];
  /** Layers left to nearest rounding, and why. */
  skipped: { layer: string; reason: string }[];
  seconds: number;
}

/** One rounding run over a plan: statistics gathered in the calibration pass, then integer weights set on the marks. */
export interface RoundingRun {
  readonly observers: ActivationObserver[];
  /** After calibration: set `rounded` on every layer it learned a rounding for. */
  finish(): Promise<RoundingReport>;
  /** Free native resources (always called, also after a failure). */
  release(): Promise<void>;
}

/**
 * A weight rounding algorithm, by ACT's `round_type` name. Weight scales stay the weight quantizer's
 * (abs-max, per channel or per tensor); only the choice between rounding down and up differs.
 */
export interface WeightRounding<P = unknown> {
  readonly name: string;
  /** From the rounding's declaration in ./rounding-catalog.ts (its parameters, defaults and search values). */
  readonly paramsSchema: z.ZodType<P>;
  start(ctx: RoundingContext, params: P): RoundingRun;
}

/** Round to nearest: the weight quantizer's own rounding, nothing to learn. */
const nearest: WeightRounding<Record<string, never>> = {
  name: 'round',
  paramsSchema: roundingParamsSchema('round') as unknown as z.ZodType<Record<string, never>>,
  start: () => ({
    observers: [],
    finish: async () => ({ name: 'round', layers: [], skipped: [], seconds: 0 }),
    release: async () => undefined,
  }),
};

const REGISTRY: ReadonlyMap<string, WeightRounding<any>> = new Map([nearest, adaroundRounding].map((r) => [r.name, r as WeightRounding<any>]));

// The declarations and the implementations name the same roundings, or nothing loads.
if (WEIGHT_ROUNDINGS.map((r) => r.name).join() !== [...REGISTRY.keys()].join()) throw new Error('weight roundings declared (rounding-catalog.ts) and implemented differ');

/** Names of the registered rounding algorithms. */
export const weightRoundingNames = (): string[] => [...REGISTRY.keys()];

/** A rounding algorithm by name; an unknown name is an input error that lists the known ones. */
export function getWeightRounding(name: string): WeightRounding<any> {
  const r = REGISTRY.get(name);
  if (!r) throw new SlimflowError('INVALID_CONFIG', `unknown weight rounding "${name}"; known roundings: ${weightRoundingNames().join(', ')}`, 'weightRounding');
  return r;
}

/** Start a rounding run by name with raw parameters, validated by the algorithm's schema. */
export function startRounding(name: string, rawParams: unknown, ctx: RoundingContext): RoundingRun {
  const r = getWeightRounding(name);
  const parsed = r.paramsSchema.safeParse(rawParams ?? {});
  if (!parsed.success) throw new SlimflowError('INVALID_CONFIG', `bad parameters for weight rounding ${name}: ${parsed.error.message}`, 'weightRoundingParams');
  return r.start(ctx, parsed.data);
}
