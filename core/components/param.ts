// A component's parameters, declared once (as Olive's passes declare their config): each parameter's
// name, the zod schema of one value, its default and what it does. The component's parameter schema
// is derived from the declaration (componentSchema), and so are the config keys and search
// dimensions that expose a parameter (core/components/ptq-params.ts). Import-free but for zod: the
// workflows bundle the search space, which reads these declarations.
import { z } from 'zod';

/** A value a search can try: what assignments and the surrogate's encoding hold. */
export type ParamValue = string | number | boolean;

/** One parameter of a component. */
export interface Param<V = unknown> {
  /** The parameter's name, as the component's params object and the config spell it. */
  readonly key: string;
  /** The schema of one value (without a default: `default` is the one default). */
  readonly schema: z.ZodType<V>;
  /** The value when the params object leaves the key out; `optional` instead: it stays absent (the component decides). */
  readonly default?: V;
  readonly optional?: true;
  /** Values a search may try when the config names none; absent: not searched by default. */
  readonly search?: readonly V[];
  /** What the parameter does, in a sentence. */
  readonly doc: string;
}

/** A component (a calibrator, a weight rounding…): a registered name and its parameters. */
export interface Component {
  readonly name: string;
  readonly params: readonly Param[];
}

/** Declare a parameter (infers the value type from the schema). */
export const param = <V>(p: Param<V>): Param<V> => p;

/** The strict schema of a component's params object: every declared key with its default, nothing else. */
export function componentSchema(c: Component): z.ZodObject {
  return z.strictObject(Object.fromEntries(c.params.map((p) => [p.key, withDefault(p)])));
}

/** A parameter's value schema with its declared default (or optional, when it has none). */
export const withDefault = <V>(p: Param<V>): z.ZodType => (p.optional ? p.schema.optional() : (p.schema as z.ZodType<V>).default(p.default as never));

/** A component's declared parameter by key; a missing one is a programming error. */
export function paramOf(c: Component, key: string): Param {
  const p = c.params.find((q) => q.key === key);
  if (!p) throw new Error(`${c.name} declares no parameter ${key}`);
  return p;
}
