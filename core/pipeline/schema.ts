// The shape of a pipeline document (YAML or JSON). Structure only; references, types and
// cycles are checked in validate.ts.
//
// Pipeline syntax in short:
//   name: ptq-grid
//   inputs:   { model: model, tolerance: { type: number, default: 1 } }   # type or {type, default}
//   steps:
//     <id>:
//       stage: <catalog stage>            # see catalog.ts
//       with: { <port>: <value> }         # literals, or references written ${{ expr }}
//       needs: [<id>, ...]                # ordering without data (data refs add edges by themselves)
//       forEach: { items: <list> }        # or { matrix: { key: [v1, v2], key2: [..] } } → one instance per item
//       when: ${{ <expr> }}               # evaluated once, after the step's dependencies finish
//       repeat: { max: N, until: <expr> } # bounded loop; each iteration sees ${{ previous.<port> }}
//   outputs: { <name>: ${{ steps.<id>.<port> }} }
//
// References inside ${{ }} (quote them in YAML):
//   inputs.<name>                 a pipeline input
//   steps.<id>.<port>[.field|[n]] an upstream output (a list when that step fans out)
//   item, item.<key>, index       the current forEach item / its position (in `with` only)
//   previous.<port>, iteration    last iteration's outputs (null at first) / 0-based count (`with`, `until`)
// A string that is exactly ${{ expr }} keeps the value's type; "text ${{ expr }}" makes a string.
import { z } from 'zod';
import { isPortType, PortType } from './ports';

const ID = /^[A-Za-z_][A-Za-z0-9_]*$/;
const id = (what: string) => z.string().regex(ID, `${what} must be a name of letters, digits and _ (not starting with a digit)`);

const portType = z.string().refine(isPortType, {
  message: 'unknown type; use model, dataset, number, string, boolean, json, analysis, ptqConfig, candidate, latency or list<T>',
}) as unknown as z.ZodType<PortType>;

const InputDeclSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { type: v } : v),
  z.strictObject({
    type: portType,
    default: z.unknown().optional(),
    description: z.string().optional(),
  }),
);

const ForEachSchema = z
  .strictObject({
    items: z.unknown().optional(),
    matrix: z.record(id('a matrix key'), z.unknown()).optional(),
  })
  .superRefine((f, ctx) => {
    const n = Number(f.items !== undefined) + Number(f.matrix !== undefined);
    if (n !== 1) ctx.addIssue({ code: 'custom', message: 'forEach takes exactly one of items or matrix' });
  });

const ConditionSchema = z.union([z.string().min(1), z.boolean()], { error: 'must be an expression string or a boolean' });

const StepSchema = z.strictObject({
  stage: z.string().min(1, 'stage is required'),
  description: z.string().optional(),
  with: z.record(z.string(), z.unknown()).default({}),
  needs: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(z.string())).default([]),
  forEach: ForEachSchema.optional(),
  when: ConditionSchema.optional(),
  repeat: z
    .strictObject({
      max: z.number().int().min(1).max(1000),
      until: ConditionSchema,
    })
    .optional(),
});

export const PipelineSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  inputs: z.record(id('an input name'), InputDeclSchema).default({}),
  steps: z.record(id('a step id'), StepSchema).refine((s) => Object.keys(s).length > 0, 'a pipeline needs at least one step'),
  outputs: z.record(z.string(), z.unknown()).default({}),
});

export type Pipeline = z.output<typeof PipelineSchema>;
export type PipelineDocument = z.input<typeof PipelineSchema>;
export type PipelineStep = Pipeline['steps'][string];
export type InputDecl = Pipeline['inputs'][string];

/** Render a zod/issue path as a config key path: steps.check.with.model, steps.a.needs[0]. */
export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}
