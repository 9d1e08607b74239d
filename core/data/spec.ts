import { z } from 'zod';
import { SlimflowError } from '../errors';

/**
 * Dataset specs: plain JSON (they travel in Temporal payloads), one shape per `kind`.
 * Relative paths resolve against the worker's working directory.
 */

/** Largest height or width of a model input image: beyond it a size is a typo (and a canvas would not hold it). */
const MAX_SIDE = 16384;

const channelTriple = z.tuple([z.number(), z.number(), z.number()]);

/** A closed set of values whose error names them all (zod's default says only "Invalid input"). */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (i) => `must be one of ${values.map((v) => `"${v}"`).join(', ')}${i.input === undefined ? '' : `, got ${JSON.stringify(i.input)}`}` });

/**
 * How an image is brought to height × width:
 * - pad-right: scale to the height keeping the aspect, at most the width, zero-pad on the right
 *   (after normalization, as PaddleOCR does); the OCR models' rule.
 * - stretch: plain resize to height × width.
 * - shorter-side-center-crop: scale the shorter side to `resize_size`, then cut the centre
 *   height × width (torchvision Resize + CenterCrop, timm).
 * - letterbox: scale to fit inside height × width keeping the aspect, centre it, fill the rest
 *   with the pixel value `pad_value` (YOLO).
 */
export const RESIZE_MODES = ['pad-right', 'stretch', 'shorter-side-center-crop', 'letterbox'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

/**
 * How to turn a decoded image into a model input; mean/std apply to the output planes in channel order.
 * `keepAspect` is the older key and stays an alias: true = resize "pad-right", false = "stretch"
 * (the parsed spec carries both, keepAspect then saying whether the mode keeps the aspect ratio).
 */
export const preprocessSchema = z
  .strictObject({
    height: z.int().positive().max(MAX_SIDE),
    width: z.int().positive().max(MAX_SIDE),
    resize: oneOf(RESIZE_MODES).optional(),
    /** Alias of resize (see above); default when neither is given: pad-right. */
    keepAspect: z.boolean().optional(),
    /** shorter-side-center-crop: the shorter side's length before the crop; default height/0.875 (224 → 256). */
    resize_size: z.int().positive().max(4 * MAX_SIDE).optional(),
    /** letterbox: the pixel value (0–255, before scale/mean/std) of the border; YOLO uses 114. */
    pad_value: z.number().min(0).max(255).default(114),
    scale: z.number().positive().default(1 / 255),
    mean: channelTriple.default([0, 0, 0]),
    std: channelTriple.default([1, 1, 1]).refine((s) => s.every((v) => v > 0), 'std values must be > 0'),
    channelOrder: oneOf(['BGR', 'RGB']).default('BGR'),
    /** NCHW: samples 3×H×W (PyTorch, Paddle); NHWC: H×W×3 (TensorFlow, Keras). */
    layout: oneOf(['NCHW', 'NHWC']).default('NCHW'),
  })
  .superRefine((p, ctx) => {
    if (p.resize !== undefined && p.keepAspect !== undefined && p.keepAspect !== (p.resize !== 'stretch')) {
      ctx.addIssue({ code: 'custom', path: ['keepAspect'], message: `keepAspect: ${p.keepAspect} contradicts resize: "${p.resize}"; give only resize` });
    }
    if (p.resize_size !== undefined && p.resize !== 'shorter-side-center-crop') {
      ctx.addIssue({ code: 'custom', path: ['resize_size'], message: 'resize_size applies only to resize: "shorter-side-center-crop"' });
    }
    if (p.resize === 'shorter-side-center-crop' && p.resize_size !== undefined && p.resize_size < Math.max(p.height, p.width)) {
      ctx.addIssue({ code: 'custom', path: ['resize_size'], message: `resize_size must be at least max(height, width) = ${Math.max(p.height, p.width)}, so the crop lies inside the image` });
    }
  })
  .transform((p) => {
    const resize: ResizeMode = p.resize ?? (p.keepAspect === false ? 'stretch' : 'pad-right');
    const out = { ...p, resize, keepAspect: resize !== 'stretch' };
    if (resize === 'shorter-side-center-crop') out.resize_size ??= Math.round(Math.max(p.height, p.width) / 0.875);
    return out;
  });
export type Preprocess = z.output<typeof preprocessSchema>;
/** What a user may write for a preprocess. */
export type PreprocessInput = z.input<typeof preprocessSchema>;

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
  width: z.int().positive().max(MAX_SIDE).default(192),
  height: z.int().positive().max(MAX_SIDE).default(48),
  /** Share of lines rotated by 180° (label 1). */
  rotatedFraction: z.number().min(0).max(1).default(0.5),
});

/** Recognition lines (PaddleOCR rec): the label is the line's text. */
export const renderedRecSpec = z.strictObject({
  ...renderedCommon,
  task: z.literal('rec'),
  width: z.int().positive().max(MAX_SIDE).default(320),
  height: z.int().positive().max(MAX_SIDE).default(48),
  /** Most words per line; lines that would not fit the width unsqueezed are shortened. */
  maxTokens: z.int().min(1).max(8).default(3),
});

/** Detection pages (PaddleOCR det DB): several lines on one picture; the label is their boxes. */
export const renderedDetSpec = z.strictObject({
  ...renderedCommon,
  task: z.literal('det'),
  width: z.int().positive().max(MAX_SIDE).multipleOf(32).default(640),
  height: z.int().positive().max(MAX_SIDE).multipleOf(32).default(640),
  minLines: z.int().min(1).default(3),
  maxLines: z.int().min(1).max(32).default(8),
}).refine((s) => s.minLines <= s.maxLines, { message: 'minLines must be ≤ maxLines', path: ['minLines'] });

/** Rendered text (no files needed): one shape per PP-OCR task. */
export const renderedTextlinesSpec = z.discriminatedUnion('task', [renderedClsSpec, renderedRecSpec, renderedDetSpec]);

/**
 * A failed preset-or-object union says which keys of the object are wrong (zod alone says "Invalid
 * input", and config errors print only this message), or, for a string, which presets exist.
 */
function presetOrObjectError(i: { input?: unknown; errors?: readonly (readonly z.core.$ZodIssue[])[] }): string | undefined {
  if (typeof i.input === 'string') return `unknown preset; presets: ${PRESET_NAMES.join(', ')}, or give a preprocess object`;
  const objectIssues = i.errors?.[1];
  if (!objectIssues || typeof i.input !== 'object' || i.input === null) return undefined;
  return objectIssues
    .flatMap((b) => (b.code === 'unrecognized_keys' ? b.keys.map((k) => `${k}: unknown key`) : [`${b.path.map(String).join('.') || '(preprocess)'}: ${b.message}`]))
    .join('; ');
}

/** Preset preprocess names (see preprocess.ts). */
export const PRESET_NAMES = ['ppocr-cls', 'ppocr-rec', 'ppocr-det'] as const;

export const imagesSpec = z.strictObject({
  kind: z.literal('images'),
  dir: z.string().min(1),
  /** Text file of "<image file name> <class index>" lines; when given, every listed image is a labeled sample. */
  labels: z.string().min(1).optional(),
  preprocess: z.union([z.enum(PRESET_NAMES), preprocessSchema], { error: presetOrObjectError }),
});

/**
 * .npy files. For a model of several inputs, a folder holding `<input name>.npy` for every input
 * is per input (each array's axis 0 is the samples, element types kept). Otherwise each file (of
 * `files`, or of `dir` in name order) is one sample or a batch of samples of the model's one input.
 */
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

/**
 * NumPy archives (np.savez / np.savez_compressed), each array named after a graph input, samples on
 * axis 0, element types kept; several files are concatenated in order.
 */
export const npzSpec = z.strictObject({
  kind: z.literal('npz'),
  files: z.array(z.string().min(1)).min(1),
});

/**
 * Text files → token inputs (input_ids, attention_mask, token_type_ids, matched by the feed's names)
 * through a Hugging Face tokenizer.json. Passages are paragraphs (blank-line separated) or lines, in
 * file order; one longer than max_length is split into several samples by tokens ("split") or cut
 * ("truncate"). Padding fills up to max_length on the given side with the tokenizer's pad id.
 */
export const textSpec = z
  .strictObject({
    kind: z.literal('text'),
    dir: z.string().min(1).optional(),
    files: z.array(z.string().min(1)).min(1).optional(),
    tokenizer: z.string().min(1),
    /** Tokens per sample, special tokens included; default: the feed's sequence length (shape[1]). */
    max_length: z.int().min(2).max(1 << 16).optional(),
    /** Samples to yield; absent: every passage. More than the text holds is an error. */
    count: z.int().positive().max(1_000_000).optional(),
    passages: oneOf(['paragraph', 'line']).default('paragraph'),
    truncation: oneOf(['split', 'truncate']).default('split'),
    padding: oneOf(['right', 'left']).default('right'),
  })
  .refine((s) => (s.dir === undefined) !== (s.files === undefined), {
    message: 'give exactly one of "dir" or "files"',
    path: ['dir'],
  });

export const datasetSpecSchema = z.discriminatedUnion('kind', [renderedTextlinesSpec, imagesSpec, npySpec, npzSpec, textSpec]);

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
export type NpzSpec = z.output<typeof npzSpec>;
export type TextSpec = z.output<typeof textSpec>;

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
