// The training sections' keys (Distillation, QuantAware, UnstructurePrune, ChannelPrune, ASPPrune,
// TrainConfig), each declared once: its value schema, default, the field of the compiled training
// config (core/train/config.ts) it sets and how, and the values it asks for that are not built. Keys
// that set a strategy parameter or name a loss take schema and default from those declarations
// (core/train/strategies/catalog.ts, core/train/losses/catalog.ts). Derived from this list: the
// sections' schemas (core/config/schema.ts), trainingConfigs and the training refusals of
// assertSupported (core/config/compile.ts). Adding a training key is one entry here.
// Import-free but for zod and declarations.
import { z } from 'zod';
import { DEFAULT_DISTILL_LOSS, DISTILL_LOSS_NAMES } from '../train/losses/catalog';
import { strategyParam, type TrainStrategyName } from '../train/strategies/catalog';
import { WEIGHT_QUANTIZE_TYPES, type WeightQuantizeType } from '../quant/weight-quantizers';
import { trialParam } from './ptq-params';

/** A training config as the section keys build it (the trainStrategy activity validates it). */
export interface TrainingDraft {
  [field: string]: unknown;
  strategy: { kind: TrainStrategyName; params?: Record<string, unknown> };
  distill?: { pairs?: { student: string; loss?: string; alpha?: number }[]; nodes?: number; loss?: string };
}

/** What a key's compile sees besides its value: the job's Global section and the section the key is in. */
export interface KeyContext {
  readonly global: { readonly task: string; readonly output?: string; readonly calibration_data: unknown };
  readonly section: Readonly<Record<string, unknown>>;
}

/** One key of a training section. */
export interface SectionKey<V = any> {
  /** The config key, as ACT spells it. */
  readonly key: string;
  /** The schema of one value (without the default: `default` is the one default). */
  readonly schema: z.ZodType<V>;
  /** The value when the section leaves the key out; `optional` instead: it stays absent; neither: required. */
  readonly default?: V;
  readonly optional?: true;
  readonly doc: string;
  /** The compiled training config's field it sets ('schedule.lr', 'strategy.params.weightBits'…); absent: none. */
  readonly sets?: string;
  /** How it sets it (an optional key gets undefined when absent); absent: the value is copied to `sets`. */
  readonly compile?: (v: V, out: TrainingDraft, ctx: KeyContext) => void;
  /** What a value asks for that is not built (compiling refuses it, naming the key); undefined: built. */
  readonly refuse?: (v: V, section: Readonly<Record<string, unknown>>) => string | undefined;
}

/** A declared key with the type of its config schema (so the job config's sections are typed). */
export type Declared<K extends string, S extends z.ZodType> = SectionKey & { readonly key: K; readonly configSchema?: S };

type KeyInput<K extends string, V> = Omit<SectionKey<V>, 'key' | 'default' | 'optional'> & { key: K };
function key<const K extends string, V>(k: KeyInput<K, V> & { default: NoInfer<V> }): Declared<K, z.ZodDefault<z.ZodType<V>>>;
function key<const K extends string, V>(k: KeyInput<K, V> & { optional: true }): Declared<K, z.ZodOptional<z.ZodType<V>>>;
function key<const K extends string, V>(k: KeyInput<K, V>): Declared<K, z.ZodType<V>>;
function key(k: SectionKey): SectionKey {
  return k;
}

/** One training section: its keys and, for a strategy section, the training strategy it asks for. */
export interface TrainSection {
  readonly name: string;
  /** The training strategy the section compiles to; absent: the section shapes every training (TrainConfig, Distillation). */
  readonly strategy?: TrainStrategyName;
  /** Strategy sections whose student this one trains further when both are given (ACT's prune, then quantize). */
  readonly after?: readonly string[];
  readonly keys: readonly Declared<string, z.ZodType>[];
  /** ACT's keys of the section that slimflow does not build, each with what to do instead: a config that sets one fails naming it. */
  readonly removed?: Readonly<Record<string, string>>;
}

const section = <const S extends TrainSection>(s: S): S => s;

/** The strategy's own parameter object in the draft. */
const params = (out: TrainingDraft): Record<string, unknown> => (out.strategy.params ??= {});

/** A key that sets a parameter of the section's strategy, with the parameter's declared schema and default. */
function strategyKey<const K extends string>(strategy: TrainStrategyName, param: string, k: { key: K; doc: string; required?: true }) {
  const p = strategyParam<number>(strategy, param);
  const sets = `strategy.params.${param}`;
  const compile = (v: number, out: TrainingDraft) => { params(out)[param] = v; };
  return k.required
    ? key({ key: k.key, schema: p.schema, doc: k.doc, sets, compile })
    : key({ key: k.key, schema: p.schema, default: p.default!, doc: k.doc, sets, compile });
}

/** Keys that name a pruned layer list, which is not built (the strategies choose their layers). */
const pruneParamsName = (sectionName: string) => key({
  key: 'prune_params_name', schema: z.array(z.string()), optional: true, doc: 'ACT\'s list of the parameters to prune; not built: the strategy chooses its layers',
  refuse: (v) => (v ? `choosing pruned layers by name (${sectionName}.prune_params_name)` : undefined),
});

const onlyQdq = z.literal(true, { error: 'only true is supported (slimflow always writes a QDQ ONNX model); remove the key or set it to true' });

/** ACT's filter criteria by the channel-prune strategy's names for them. */
const CRITERIA = { l1_norm: 'l1', geometry_median: 'geometric_median' } as const;

/**
 * ACT's prune_strategy: 'gmp' ramps sparsity up over the first half of the training (masks recomputed
 * from magnitudes as it goes; the second half trains at the target), 'base' prunes to the target at the first step.
 */
const GMP_RAMP_SHARE = 0.5;

const QUANT_AWARE = section({
  name: 'QuantAware', strategy: 'qat', after: ['ChannelPrune'],
  keys: [
    key({ key: 'use_pact', schema: z.boolean(), default: false, doc: 'PACT activation clipping; not built', refuse: (v) => (v ? 'PACT activation clipping (QuantAware.use_pact)' : undefined) }),
    key({ key: 'activation_bits', schema: z.number().int(), default: 8, doc: 'activation bits; only 8 is built', refuse: (v) => (v !== 8 ? `${v}-bit activations in QAT (only 8)` : undefined) }),
    strategyKey('qat', 'weightBits', { key: 'weight_bits', doc: 'weight bits of the QAT strategy' }),
    key({
      key: 'weight_quantize_type', schema: z.enum(WEIGHT_QUANTIZE_TYPES), default: trialParam('weight_quantize_type')!.default as WeightQuantizeType, doc: 'weight scales; QAT trains per-channel ones only',
      refuse: (v) => (v !== 'channel_wise_abs_max' ? 'per-tensor weights in QAT (only channel_wise_abs_max)' : undefined),
    }),
    key({ key: 'onnx_format', schema: onlyQdq, default: true, doc: 'ACT\'s switch for QDQ ONNX output: slimflow always writes it' }),
  ],
  removed: { quantize_op_types: 'QAT quantizes the layers its quantization plan chooses (Conv, ConvTranspose, MatMul, Gemm)' },
});

const UNSTRUCTURE_PRUNE = section({
  name: 'UnstructurePrune', strategy: 'unstructured',
  keys: [
    key({
      key: 'prune_strategy', schema: z.enum(['gmp', 'base']), default: 'gmp', doc: 'gmp ramps sparsity over the first half of the training, base prunes at once',
      sets: 'strategy.params.rampShare', compile: (v, out) => { if (v === 'gmp') params(out).rampShare = GMP_RAMP_SHARE; },
    }),
    key({ key: 'prune_mode', schema: z.enum(['ratio', 'threshold']), default: 'ratio', doc: 'prune a share of each layer (threshold mode is not built)', refuse: (v) => (v === 'threshold' ? 'threshold-mode unstructured pruning (only ratio)' : undefined) }),
    strategyKey('unstructured', 'ratio', { key: 'ratio', doc: 'share of each layer\'s weights set to zero' }),
  ],
  removed: { threshold: 'threshold-mode pruning is not built; give UnstructurePrune.ratio' },
});

const CHANNEL_PRUNE = section({
  name: 'ChannelPrune', strategy: 'channel-prune',
  keys: [
    strategyKey('channel-prune', 'ratio', { key: 'pruned_ratio', doc: 'share of each prunable conv\'s filters removed; required', required: true }),
    pruneParamsName('ChannelPrune'),
    key({
      key: 'criterion', schema: z.enum(Object.keys(CRITERIA) as (keyof typeof CRITERIA)[]), default: 'l1_norm', doc: 'filter ranking: L1 norm, or FPGM (nearest the layer\'s geometric median)',
      sets: 'strategy.params.criterion', compile: (v, out) => { params(out).criterion = CRITERIA[v]; },
    }),
  ],
});

const ASP_PRUNE = section({ name: 'ASPPrune', strategy: 'semi-structured-2of4', keys: [pruneParamsName('ASPPrune')] });

const DISTILLATION = section({
  name: 'Distillation',
  keys: [
    key({
      key: 'node', schema: z.array(z.string()), default: [], doc: 'student tensors distilled against the teacher\'s of the same name; none: the last layer with weights',
      sets: 'distill',
      compile: (nodes, out, { global }) => {
        out.distill = nodes.length
          ? { pairs: nodes.map((student) => ({ student })) }
          // An embedding is distilled where it is judged: on MiniLM-L3 at 4 bits, QAT on the output recovered
          // 1 − cosine 0.132 → 0.080, on the last dense layer not at all (0.132 → 0.143).
          : global.task === 'embedding' && global.output ? { pairs: [{ student: global.output }] } : { nodes: 1 };
      },
    }),
    key({
      key: 'loss', schema: z.enum(DISTILL_LOSS_NAMES), default: DEFAULT_DISTILL_LOSS, doc: 'a declared distillation loss (core/train/losses/catalog.ts)',
      sets: 'distill.loss',
      compile: (loss, out) => {
        const d = out.distill!;
        if (d.pairs) for (const p of d.pairs) p.loss = loss;
        else d.loss = loss;
      },
    }),
    key({
      key: 'alpha', schema: z.union([z.number(), z.array(z.number())]), default: 1, doc: 'weight of each node pair\'s loss (one for all, or one per node)',
      sets: 'distill.pairs.alpha',
      compile: (alpha, out, { section: s }) => {
        if ((s.node as string[]).length === 0) return;
        const alphas = Array.isArray(alpha) ? alpha : [alpha];
        out.distill!.pairs!.forEach((p, i) => { p.alpha = alphas[i] ?? alphas[0]; });
      },
      // The automatic pair has one loss and no weight.
      refuse: (alpha, s) => ((s.node as string[]).length === 0 && (Array.isArray(alpha) || alpha !== 1) ? 'Distillation.alpha without Distillation.node (alpha weighs the losses of the node pairs)' : undefined),
    }),
  ],
  removed: { teacher_model: 'the teacher is Global.model itself' },
});

const TRAIN_CONFIG = section({
  name: 'TrainConfig',
  keys: [
    key({ key: 'epochs', schema: z.number().int().positive(), default: 1, doc: 'passes over the training set', sets: 'epochs' }),
    key({
      key: 'learning_rate', schema: z.number().positive(), default: 1e-4, doc: 'the constant learning rate',
      sets: 'schedule.lr', compile: (lr, out) => { out.schedule = { kind: 'constant', lr }; },
    }),
    key({ key: 'optimizer', schema: z.enum(['sgd', 'adam', 'adamw']), default: 'adam', doc: 'the optimizer', sets: 'optimizer.name' }),
    key({
      key: 'train_samples', schema: z.number().int().positive(), optional: true, doc: 'training set size (samples read from Global.calibration_data); default its count, else the trainer\'s 256',
      sets: 'samples',
      compile: (n, out, { global }) => {
        const count = n ?? (global.calibration_data as { count?: unknown }).count;
        if (typeof count === 'number') out.samples = count;
      },
    }),
  ],
  removed: { eval_iter: 'the student is evaluated after every epoch' },
});

/** Every training section, in the order their refusals are checked and combinations named. */
export const TRAIN_SECTIONS = [QUANT_AWARE, UNSTRUCTURE_PRUNE, CHANNEL_PRUNE, ASP_PRUNE, DISTILLATION, TRAIN_CONFIG] as const;
type Sections = (typeof TRAIN_SECTIONS)[number];
const ALL: readonly TrainSection[] = TRAIN_SECTIONS;
export type TrainSectionName = Sections['name'];

type ShapeOf<Ks extends readonly Declared<string, z.ZodType>[]> = { [D in Ks[number] as D['key']]: NonNullable<D['configSchema']> };
/** A section's config keys, typed. */
export type SectionShape<N extends TrainSectionName> = ShapeOf<Extract<Sections, { name: N }>['keys']>;

export const trainSection = (name: TrainSectionName): TrainSection => ALL.find((s) => s.name === name)!;

/** A key's config schema: its value schema with its default, optional, or required. */
const configSchemaOf = (k: SectionKey): z.ZodType => (k.optional ? k.schema.optional() : 'default' in k ? k.schema.default(k.default as never) : k.schema);

/** A section's keys for its schema (core/config/schema.ts). */
export function sectionKeys<N extends TrainSectionName>(name: N): SectionShape<N> {
  return Object.fromEntries(trainSection(name).keys.map((k) => [k.key, configSchemaOf(k)])) as unknown as SectionShape<N>;
}

/** The values an empty section has (its keys' defaults). */
const emptySection = (s: TrainSection): Record<string, unknown> =>
  Object.fromEntries(s.keys.filter((k) => 'default' in k).map((k) => [k.key, k.default]));

function setPath(out: Record<string, unknown>, path: string, v: unknown): void {
  const parts = path.split('.');
  let o = out;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1]] = v;
}

/** The training sections of a config, as parsed (absent: undefined). */
export type SectionValues = Partial<Record<TrainSectionName, Record<string, unknown> | undefined>>;

/** The strategy sections a config gives, in the order they train (a section after those it lists in `after`). */
export function strategySections(config: SectionValues): TrainSection[] {
  const present = ALL.filter((s) => s.strategy && config[s.name as TrainSectionName] !== undefined);
  return present.sort((a, b) => (a.after?.includes(b.name) ? 1 : b.after?.includes(a.name) ? -1 : 0));
}

/**
 * One training config: `base` (the job's own fields), then every shared section's keys (an absent
 * section as its defaults) and the keys of the strategy section (none: plain distillation).
 */
export function compileTraining(config: SectionValues, global: KeyContext['global'], strategy: TrainSection | undefined, base: Record<string, unknown>): TrainingDraft {
  const out: TrainingDraft = { ...base, strategy: { kind: strategy?.strategy ?? 'distill' } };
  for (const s of ALL) {
    if (s.strategy && s !== strategy) continue;
    const values = config[s.name as TrainSectionName] ?? emptySection(s);
    for (const k of s.keys) {
      const v = values[k.key];
      if (k.compile) k.compile(v, out, { global, section: values });
      else if (k.sets) setPath(out, k.sets, v);
    }
  }
  return out;
}

/** The strategy combinations that chain ('ChannelPrune + QuantAware'). */
const chainsText = (): string =>
  ALL.flatMap((s) => (s.after ?? []).map((a) => `${a} + ${s.name}`)).join(', ');

/**
 * What the training sections ask for that is not built, with the key path: two strategy sections
 * that do not chain (masked sparsity through QAT is not built, nor two pruning methods at once),
 * else the first refused value.
 */
export function trainingRefusal(config: SectionValues): { key: string; what: string } | undefined {
  const present = ALL.filter((s) => s.strategy && config[s.name as TrainSectionName] !== undefined);
  const [first, second] = strategySections(config);
  if (present.length > 1 && !(present.length === 2 && second.after?.includes(first.name))) {
    return { key: present[1].name, what: `combining ${present.map((s) => s.name).join(' + ')} in one job (only ${chainsText()} chain)` };
  }
  for (const s of ALL) {
    const values = config[s.name as TrainSectionName];
    if (!values) continue;
    for (const k of s.keys) {
      const what = k.refuse?.(values[k.key], values);
      if (what) return { key: `${s.name}.${k.key}`, what };
    }
  }
  return undefined;
}

/** The sections' removed keys by path ('Distillation.teacher_model'), each with what to do instead. */
export const removedTrainingKeys = (): Record<string, string> =>
  Object.fromEntries(ALL.flatMap((s) => Object.entries(s.removed ?? {}).map(([k, instead]) => [`${s.name}.${k}`, instead])));

/** The section whose training strategy is `kind` (plain distillation: TrainConfig). */
export const sectionOfStrategy = (kind: string): TrainSectionName => (ALL.find((s) => s.strategy === kind)?.name ?? 'TrainConfig') as TrainSectionName;
