// What every shipped config (configs/*.yaml, configs/zoo/*.yaml, the README's job examples, the
// pipelines' search spaces) and a few configs covering every PTQ parameter compile to: the pipeline,
// the fan-out's trials, the automatic plan, the search space, every assignment's trial config and
// quantizer options. Recorded once (fixtures/compiled-before.json) before the parameters were
// declared in one place, so the derivation is checked to give exactly what the hand-written code gave;
// the training sections' configs were added before their keys were declared (core/components/train-sections.ts).
// The record is `JSON.stringify(compiledSnapshot()) + '\n'`, written by a one-off tsx script.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { baseTrial, CompileOptions, compileConfig, PtqTrialConfig, ptqTrials } from '../../../core/config/compile';
import { parseJobConfig, parseYaml } from '../../../core/config/load';
import type { JobConfig } from '../../../core/config/schema';
import type { GraphAnalysis } from '../../../core/onnx/analysis';
import { quantizeOptionsFor } from '../../../core/quant/trial-options';
import { baseAssignment, enumerateSpace, toTrialConfig } from '../../../core/search/space';
import { planAutoCompress } from '../../../core/search/strategy';
import { resolveSpace } from '../../../workflows/ptq-search';

const repo = path.resolve(__dirname, '..', '..', '..');
const GLOBAL = { model: '/models/m.onnx', inputs: { x: { shape: [4, 3, 48, 192] } }, task: 'ocr-cls', calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 } };

const EMBEDDING = { model: '/models/e.onnx', inputs: { input_ids: { shape: [4, 16] } }, output: 'emb', task: 'embedding', calibration_data: { kind: 'npz', files: ['/data/e.npz'] } };

/** Configs that set every key of the training sections (Distillation, QuantAware, the pruning sections, TrainConfig), and each section empty. */
const TRAINING: Record<string, unknown> = {
  'train-empty': { Global: GLOBAL, TrainConfig: {} },
  'train-all': {
    Global: { ...GLOBAL, seed: 2, deploy: { threads: 2 } },
    TrainConfig: { epochs: 3, learning_rate: 0.01, optimizer: 'sgd', train_samples: 32 },
    Distillation: { node: ['a', 'b'], alpha: [0.5, 2], loss: 'soft_label' },
    UnstructurePrune: { prune_strategy: 'base', prune_mode: 'ratio', ratio: 0.5 },
  },
  'train-gmp': { Global: GLOBAL, UnstructurePrune: {}, Distillation: { loss: 'sigmoid_l2' } },
  'train-qat': {
    Global: GLOBAL,
    QuantAware: { use_pact: false, activation_bits: 8, weight_bits: 4, weight_quantize_type: 'channel_wise_abs_max', onnx_format: true },
    Distillation: { node: ['a'], alpha: 0.5 },
    TrainConfig: { optimizer: 'adamw' },
  },
  'train-qat-empty': { Global: GLOBAL, QuantAware: {}, Distillation: {} },
  'train-chain': { Global: GLOBAL, ChannelPrune: { pruned_ratio: 0.4, criterion: 'geometry_median' }, QuantAware: { weight_bits: 6 }, TrainConfig: { epochs: 2 } },
  'train-channel': { Global: GLOBAL, ChannelPrune: { pruned_ratio: 0.2, criterion: 'l1_norm' }, TrainConfig: { train_samples: 8, learning_rate: 0.5 } },
  'train-channel-empty': { Global: GLOBAL, ChannelPrune: { pruned_ratio: 0.3 } },
  'train-asp': { Global: GLOBAL, ASPPrune: {}, Distillation: { node: ['a', 'b', 'c'], alpha: [0.3] } },
  'train-embedding': { Global: EMBEDDING, QuantAware: {}, Distillation: { loss: 'soft_label' } },
  'train-embedding-nodes': { Global: EMBEDDING, TrainConfig: { epochs: 2 }, Distillation: { node: ['h'], alpha: 3 } },
};

/** Configs that set every PTQ parameter the schema has, alone and searched. */
const COVERING: Record<string, unknown> = {
  'qp-hist': { Global: GLOBAL, QuantPost: { algo: 'hist', hist_percent: 0.9995, bias_correct: true, round_type: 'adaround', qdq_placement: 'conv-only', batch_num: 3, weight_quantize_type: 'abs_max' } },
  'qp-tensorrt': { Global: GLOBAL, QuantPost: { algo: 'KL', deploy_backend: 'tensorrt', skip_tensor_list: ['a'], quantize_op_types: ['Conv'] } },
  'qp-none': { Global: GLOBAL },
  'hpo-all': {
    Global: { ...GLOBAL, seed: 3 },
    QuantPost: { algo: 'mse', qdq_placement: 'integer-path' },
    HyperParameterOptimization: {
      ptq_algo: ['abs_max', 'hist', 'KL'], weight_quantize_type: ['channel_wise_abs_max', 'abs_max'], bias_correct: [false, true], hist_percent: [0.9999, 0.999],
      batch_num: [4, 2], round_type: ['round', 'adaround'], keep_float: [0, 1, 3], activation_symmetric: [false, true], max_quant_count: 500, strategy: 'random', objective: 'cosine',
    },
  },
  'hpo-grid': { Global: GLOBAL, QuantPost: { algo: 'hist', round_type: 'adaround' }, HyperParameterOptimization: { ptq_algo: ['hist', 'avg'], strategy: 'grid', max_quant_count: 7, activation_symmetric: [true, false] } },
  'hpo-defaults': { Global: GLOBAL, HyperParameterOptimization: {} },
  'hpo-tensorrt': { Global: GLOBAL, QuantPost: { deploy_backend: 'tensorrt' }, HyperParameterOptimization: { ptq_algo: ['hist'], keep_float: [2] } },
  ...TRAINING,
};

const analysis = (opTypes: string[]): GraphAnalysis => ({
  opset: 13, producer: 'test', nodeCount: 10, opCensus: {}, paramCount: 1, inputs: [], outputs: [],
  quantizableLayers: opTypes.map((opType, i) => ({ name: `l${i}`, opType })) as unknown as GraphAnalysis['quantizableLayers'],
  distillationNodes: [], family: 'cnn', familyReason: 'test', weightStorage: 'initializers',
});

/** Every job config to check, by name: the shipped files, the README's examples and the covering ones. */
export function jobConfigs(): Record<string, JobConfig> {
  const out: Record<string, JobConfig> = {};
  const files = [
    ...fs.readdirSync(path.join(repo, 'configs')).filter((f) => /^pp-ocr-.*\.yaml$/.test(f)).map((f) => `configs/${f}`),
    ...fs.readdirSync(path.join(repo, 'configs/zoo')).filter((f) => f.endsWith('.yaml')).map((f) => `configs/zoo/${f}`),
  ];
  for (const f of files) out[f] = parseJobConfig(parseYaml(fs.readFileSync(path.join(repo, f), 'utf8'), f), f);
  const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
  [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].forEach((m, i) => {
    const raw = parseYaml(m[1], 'README.md') as Record<string, unknown>;
    if (raw && typeof raw === 'object' && 'Global' in raw) out[`README.md#${i}`] = parseJobConfig(raw, 'README.md');
  });
  for (const [name, raw] of Object.entries(COVERING)) out[name] = parseJobConfig(raw, name);
  return out;
}

/** The search spaces the shipped pipelines give ptqSearch. */
function pipelineSpaces(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const dir = path.join(repo, 'configs/pipelines');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    const doc = parseYaml(fs.readFileSync(path.join(dir, f), 'utf8'), f) as { steps?: Record<string, { stage?: string; with?: { space?: unknown } }> };
    for (const [id, s] of Object.entries(doc.steps ?? {})) if (s.stage === 'ptqSearch') out[`configs/pipelines/${f}#${id}`] = s.with?.space ?? {};
  }
  return out;
}

type Space = Parameters<typeof resolveSpace>[0];

/** A space as the search resolves it, with every assignment's trial and quantizer options. */
function spaceSnapshot(input: Space): unknown {
  const space = resolveSpace(input);
  const all = enumerateSpace(space).map((a) => ({ a, trial: toTrialConfig(space, a), options: quantizeOptionsFor(toTrialConfig(space, a), 2) }));
  // Every assignment is in the digest; an evenly spaced sample is kept in full, so a difference can be read.
  const step = Math.max(1, Math.ceil(all.length / 24));
  return {
    space,
    base: baseAssignment(space),
    size: all.length,
    digest: createHash('sha256').update(sortedJson(all)).digest('hex'),
    sample: all.filter((_, i) => i % step === 0),
  };
}

const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

/** JSON with every object's keys sorted: the digest does not depend on the order fields were set in. */
function sortedJson(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v);
}

/**
 * The placements `auto` compiled to when this was recorded (before 'integer-wide'): the record checks
 * the derivation, not which placements exist.
 */
const RECORDED = { widePlacement: false } as CompileOptions;

/** Everything a config compiles to that the PTQ parameters decide. */
export function compiledSnapshot(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, config] of Object.entries(jobConfigs())) {
    const doc = compileConfig(config, 'compress', RECORDED);
    const search = (doc.steps as Record<string, { with?: { space?: Space } }>).search;
    const plan = planAutoCompress(config, analysis(['Conv', 'MatMul']), undefined, [{ layer: 'l0' }, { layer: 'l1' }, { layer: 'l2' }], RECORDED);
    const planSearch = (plan.pipeline.steps as Record<string, { with?: { space?: Space } }>).search;
    out[name] = json({
      baseTrial: baseTrial(config),
      ptqTrials: (ptqTrials as (c: JobConfig, o?: CompileOptions) => PtqTrialConfig[])(config, RECORDED).map((t) => ({ t, options: quantizeOptionsFor(t) })),
      compiled: doc,
      compiledBefore: compileConfig(config, 'compress', { ...RECORDED, gridSearch: false, trainedContest: false }),
      plan,
      ...(search?.with?.space ? { search: spaceSnapshot(search.with.space) } : {}),
      ...(planSearch?.with?.space ? { planSearch: spaceSnapshot(planSearch.with.space) } : {}),
    });
  }
  for (const [name, space] of Object.entries(pipelineSpaces())) out[name] = json({ search: spaceSnapshot(space as Space) });
  return out;
}

export const SNAPSHOT_FILE = path.join(__dirname, 'fixtures', 'compiled-before.json');
