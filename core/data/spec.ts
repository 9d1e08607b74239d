import { z } from 'zod';
import { SlimflowError } from '../errors';

/**
 * Dataset specs: plain JSON (they travel in Temporal payloads), one shape per `kind`.
 * Relative paths resolve against the worker's working directory.
 */

const channelTriple = z.tuple([z.number(), z.number(), z.number()]);

/** How to turn a decoded image into a model input; mean/std apply to the output planes in channel order. */
export const preprocessSchema = z.strictObject({
  height: z.int().positive(),
  width: z.int().positive(),
  /** Keep the aspect ratio (width min(ceil(H·w/h), W)) and zero-pad on the right; false stretches to W. */
  keepAspect: z.boolean().default(true),
  scale: z.number().positive().default(1 / 255),
  mean: channelTriple.default([0, 0, 0]),
  std: channelTriple.default([1, 1, 1]).refine((s) => s.every((v) => v > 0), 'std values must be > 0'),
  channelOrder: z.enum(['BGR', 'RGB']).default('BGR'),
  layout: z.literal('NCHW').default('NCHW'),
});
export type Preprocess = z.output<typeof preprocessSchema>;

/** Fields every rendered set shares: how many samples, from which seed, with how much pixel noise. */
const renderedCommon = {
  kind: z.literal('rendered-textlines'),
  count: z.int().positive().max(1_000_000),
  seed: z.int(),
  /** Standard deviation of added pixel noise, in 0–255 units; 0 turns noise off. */
  noise: z.number().min(0).max(64).default(4),
};

/** Text-direction lines (PaddleOCR cls): label 0 upright, 1 rotated 180°. */
export const renderedClsSpec = z.strictObject({
  ...renderedCommon,
  task: z.literal('cls'),
  width: z.int().positive().default(192),
  height: z.int().positive().default(48),
  /** Share of lines rotated by 180° (label 1). */
  rotatedFraction: z.number().min(0).max(1).default(0.5),
});

/** Recognition lines (PaddleOCR rec): the label is the line's text. */
export const renderedRecSpec = z.strictObject({
  ...renderedCommon,
  task: z.literal('rec'),
  width: z.int().positive().default(320),
  height: z.int().positive().default(48),
  /** Most words per line; lines that would not fit the width unsqueezed are shortened. */
  maxTokens: z.int().min(1).max(8).default(3),
});

/** Detection pages (PaddleOCR det DB): several lines on one picture; the label is their boxes. */
export const renderedDetSpec = z.strictObject({
  ...renderedCommon,
  task: z.literal('det'),
  width: z.int().positive().multipleOf(32).default(640),
  height: z.int().positive().multipleOf(32).default(640),
  minLines: z.int().min(1).default(3),
  maxLines: z.int().min(1).max(32).default(8),
}).refine((s) => s.minLines <= s.maxLines, { message: 'minLines must be ≤ maxLines', path: ['minLines'] });

/** Rendered text (no files needed): one shape per PP-OCR task. */
export const renderedTextlinesSpec = z.discriminatedUnion('task', [renderedClsSpec, renderedRecSpec, renderedDetSpec]);

export const imagesSpec = z.strictObject({
  kind: z.literal('images'),
  dir: z.string().min(1),
  /** Text file of "<image file name> <class index>" lines; when given, every listed image is a labeled sample. */
  labels: z.string().min(1).optional(),
  preprocess: z.union([z.enum(['ppocr-cls', 'ppocr-rec', 'ppocr-det']), preprocessSchema]),
});

export const npySpec = z
  .strictObject({
    kind: z.literal('npy'),
    dir: z.string().min(1).optional(),
    files: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((s) => (s.dir === undefined) !== (s.files === undefined), {
    message: 'give exactly one of "dir" or "files"',
    path: ['dir'],
  });

export const datasetSpecSchema = z.discriminatedUnion('kind', [renderedTextlinesSpec, imagesSpec, npySpec]);

/** A validated dataset spec with defaults filled in. */
export type DatasetSpec = z.output<typeof datasetSpecSchema>;
/** What a user may write (defaults optional). */
export type DatasetSpecInput = z.input<typeof datasetSpecSchema>;
export type RenderedTextlinesSpec = z.output<typeof renderedTextlinesSpec>;
export type RenderedClsSpec = z.output<typeof renderedClsSpec>;
export type RenderedRecSpec = z.output<typeof renderedRecSpec>;
export type RenderedDetSpec = z.output<typeof renderedDetSpec>;
export type ImagesSpec = z.output<typeof imagesSpec>;
export type NpySpec = z.output<typeof npySpec>;

/** Validate a dataset spec; a bad one raises INVALID_DATA naming every offending key under `where`. */
export function parseDatasetSpec(input: unknown, where = 'dataset'): DatasetSpec {
  const res = datasetSpecSchema.safeParse(input);
  if (res.success) return res.data;
  const issues = flattenIssues(res.error.issues, []);
  const lines = issues.map((i) => `${keyPath(where, i.path)}: ${i.message}`);
  throw new SlimflowError('INVALID_DATA', `invalid dataset spec: ${lines.join('; ')}`, keyPath(where, issues[0]?.path ?? []));
}

interface FlatIssue { path: PropertyKey[]; message: string }

/**
 * Zod reports a failed union as one vague "Invalid input"; dig into the branch whose type matched (e.g. the
 * object form of `preprocess`, not the preset string) so the message names the actual bad key.
 */
function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]): FlatIssue[] {
  const out: FlatIssue[] = [];
  for (const i of issues) {
    const path = [...prefix, ...i.path];
    if (i.code === 'invalid_union' && i.errors.length > 0) {
      const typeMatched = i.errors.find((branch) => !branch.some((b) => b.path.length === 0 && (b.code === 'invalid_type' || b.code === 'invalid_value')));
      if (typeMatched) {
        out.push(...flattenIssues(typeMatched, path));
        continue;
      }
    }
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: [...path, k], message: `unknown key "${k}"` });
      continue;
    }
    out.push({ path, message: i.message });
  }
  return out;
}

const keyPath = (where: string, path: readonly PropertyKey[]) => [where, ...path.map(String)].join('.');
