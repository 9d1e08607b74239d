// Port types of the stage catalog, the rules for connecting them, and the schema of their values.
// A type is a plain string ('model', 'list<candidate>') so pipelines and state stay JSON.
import { z } from 'zod';
import type { ArtifactRef, Candidate, DatasetSpec, GraphAnalysis, LatencyEstimate, PtqConfig } from './types';

export const SCALAR_TYPES = [
  'model', 'dataset', 'number', 'string', 'boolean', 'json', 'analysis', 'ptqConfig', 'candidate', 'latency',
] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];
export type PortType = ScalarType | `list<${string}>`;

const LIST = /^list<(.+)>$/;

/** Whether a string names a valid port type (scalars and nested lists). */
export function isPortType(s: string): s is PortType {
  const m = LIST.exec(s);
  if (m) return isPortType(m[1]);
  return (SCALAR_TYPES as readonly string[]).includes(s);
}

/** The element type of a list type, or undefined for a scalar. */
export function elementType(t: PortType): PortType | undefined {
  const m = LIST.exec(t);
  return m ? (m[1] as PortType) : undefined;
}

/** The list type whose elements are `t` (what a fanned-out step's port becomes). */
export const listOf = (t: PortType): PortType => `list<${t}>`;

// Types whose inside is someone else's business: any field may be read and is typed `json`.
const OPEN_TYPES = new Set<string>(['json', 'analysis', 'dataset', 'ptqConfig', 'latency']);

const KNOWN_FIELDS: Record<string, Record<string, PortType>> = {
  candidate: {
    label: 'string', model: 'model', accuracy: 'number', agreement: 'number', cosine: 'number', emd: 'number',
    latencyMs: 'number', sizeBytes: 'number', config: 'json',
  },
  model: { uri: 'string', sha256: 'string', bytes: 'number', kind: 'string' },
};

/** The type of `value.field` for a value of type `t`, or an error text when the field cannot exist. */
export function fieldType(t: PortType, field: string | number): PortType | { error: string } {
  const elem = elementType(t);
  if (elem) return typeof field === 'number' ? elem : { error: `${t} is a list; index it with [n] or fan out over it with forEach` };
  if (OPEN_TYPES.has(t)) return 'json';
  const known = KNOWN_FIELDS[t];
  if (known) {
    // Candidates are typed loosely: activities may attach extra keys, which read as json.
    if (typeof field === 'string' && Object.hasOwn(known, field)) return known[field];
    return t === 'candidate' ? 'json' : { error: `${t} has no field "${field}"` };
  }
  return { error: `a ${t} has no fields` };
}

/** Whether a value of type `src` may flow into a port of type `dst`; `json` on either side is loose. */
export function assignable(src: PortType, dst: PortType): boolean {
  if (src === dst || src === 'json' || dst === 'json') return true;
  const se = elementType(src);
  const de = elementType(dst);
  if (se && de) return assignable(se, de);
  return false;
}

/** Best-effort type of a literal value written in a pipeline (refs inside are typed separately). */
export function literalType(v: unknown): PortType {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (Array.isArray(v)) {
    const types = new Set(v.map(literalType));
    return listOf(types.size === 1 ? [...types][0] : 'json');
  }
  return 'json';
}

// The value each port type carries, as a zod schema: the catalog builds every stage's input and
// output schema from these, and the activities' interface (workflows/stage-activities.ts) is their
// inferred type. zod is pure JavaScript, so workflow code may import this module.
const artifactRef = z.object({
  uri: z.string(), sha256: z.string(), bytes: z.number(), kind: z.enum(['model', 'dataset', 'report', 'checkpoint', 'table', 'json']),
}) satisfies z.ZodType<ArtifactRef>;

// Open types are checked for their shape only: their inside belongs to the activity that reads them.
const record = z.record(z.string(), z.unknown());
const opaque = <T>(what: string) => z.custom<T>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { message: `expected ${what} (an object)` });

// Candidates carry extra keys (config, selection…) that travel with them: the known ones are checked.
const candidate: z.ZodType<Candidate> = z.looseObject({
  label: z.string(), model: artifactRef, accuracy: z.number().nullable(), agreement: z.number(), cosine: z.number(),
  latencyMs: z.number(), sizeBytes: z.number(),
  emd: z.number().optional(), score: z.number().optional(), metric: z.string().optional(), latencyNoiseMs: z.number().optional(),
  inputShapes: z.record(z.string(), z.array(z.number())).optional(),
}) as z.ZodType<Candidate>;

export const PORT_SCHEMAS = {
  model: artifactRef,
  dataset: record as z.ZodType<DatasetSpec>,
  number: z.number(),
  string: z.string(),
  boolean: z.boolean(),
  json: z.unknown(),
  analysis: opaque<GraphAnalysis>('a graph analysis'),
  ptqConfig: z.looseObject({ calibrator: z.string().optional(), perChannel: z.boolean().optional() }) as z.ZodType<PtqConfig>,
  candidate,
  latency: z.looseObject({ totalMs: z.number() }) as z.ZodType<LatencyEstimate>,
} satisfies Record<ScalarType, z.ZodType>;

/** The TypeScript type of a port type's values ('list<candidate>' is Candidate[]). */
export type PortValue<T extends string> = T extends `list<${infer E}>` ? PortValue<E>[] : T extends ScalarType ? z.infer<(typeof PORT_SCHEMAS)[T]> : never;

/** The schema of a port type's values. */
export function portSchema<T extends PortType>(t: T): z.ZodType<PortValue<T>> {
  const elem = elementType(t);
  return (elem ? z.array(portSchema(elem)) : PORT_SCHEMAS[t as ScalarType]) as unknown as z.ZodType<PortValue<T>>;
}
