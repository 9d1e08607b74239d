// Every key of the job config schema does what it says or is refused: a table names, for each key,
// how it is read, and each entry is checked. Keys read by compileConfig must change the compiled
// pipeline; keys with one possible value refuse any other; keys whose options are not built refuse
// them naming the key; the few read outside the compiled pipeline name the file that reads them.
// The table and the schema are checked both ways, and a schema with one more key fails the walk.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileConfig } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';
import { jobConfigSchema, UNSUPPORTED_KEYS } from '../../../core/config/schema';
import { SlimflowError } from '../../../core/errors';

type Raw = Record<string, Record<string, unknown>>;
type Reader =
  /** Compiled: setting the key to `set` (over `base`) changes the compiled pipeline. */
  | { set: unknown; base?: Raw; unset?: string[] }
  /** One value only (what slimflow always does): `other` is refused at load, naming the key. */
  | { fixed: unknown }
  /** Not built for this value: compiling with `refuses` fails NOT_SUPPORTED naming the key. */
  | { refuses: unknown; base?: Raw }
  /** Read outside compileConfig: the file holds the expression that reads it. */
  | { readBy: string; token: string };

const repo = path.resolve(__dirname, '..', '..', '..');
const cls = (seed: number, count = 16) => ({ kind: 'rendered-textlines', task: 'cls', count, seed });
const GLOBAL = { model: '/models/m.onnx', inputs: { x: { shape: [8, 3, 48, 192] } }, task: 'ocr-cls', calibration_data: cls(1) };
const shorthand = { unset: ['inputs'] };

/** Every key of the schema and how it is read. */
const READERS: Record<string, Reader> = {
  'Global.model': { readBy: 'workflows/auto-compress.ts', token: 'g.model' },
  'Global.inputs': { set: { x: { shape: [4, 3, 48, 192] } } },
  'Global.output': { set: 'logits' },
  'Global.input_name': { set: 'x', base: { Global: { input_shape: [8, 3, 48, 192] } }, ...shorthand },
  'Global.input_shape': { set: [4, 3, 48, 192], ...shorthand },
  'Global.task': { set: 'ocr-rec' },
  'Global.classification': { set: { outputs: 'logits' }, base: { Global: { task: 'classification' } } },
  'Global.embedding': { set: { neighbour_samples: 100 }, base: { Global: { task: 'embedding' } } },
  'Global.detection': { set: { score_threshold: 0.3 }, base: { Global: { task: 'detection' } } },
  'Global.segmentation': { set: { ignore_index: 0 }, base: { Global: { task: 'segmentation' } } },
  'Global.generic': { set: { measure: 'snr' }, base: { Global: { task: 'generic' } } },
  'Global.calibration_data': { set: cls(2, 32) },
  'Global.eval_data': { set: cls(3, 64) },
  'Global.deploy.backend': { fixed: 'tensorrt' },
  'Global.deploy.threads': { set: 2 },
  'Global.deploy.target_speedup': { readBy: 'core/search/strategy.ts', token: 'deploy.target_speedup' },
  'Global.deploy.max_accuracy_drop': { set: 3 },
  'Global.deploy.latency_table': { readBy: 'core/search/strategy.ts', token: 'deploy.latency_table' },
  'Global.seed': { set: 5, base: { HyperParameterOptimization: {} } },
  'Global.output_dir': { set: '/tmp/elsewhere' },
  'Distillation.alpha': { set: 0.5, base: { Distillation: { node: ['a'] }, TrainConfig: {} } },
  'Distillation.loss': { set: 'soft_label', base: { TrainConfig: {} } },
  'Distillation.node': { set: ['a'], base: { TrainConfig: {} } },
  'QuantPost.algo': { set: 'mse' },
  'QuantPost.weight_quantize_type': { set: 'abs_max' },
  'QuantPost.batch_size': { set: 4 },
  'QuantPost.batch_num': { set: 2 },
  'QuantPost.activation_bits': { fixed: 16 },
  'QuantPost.weight_bits': { fixed: 4 },
  'QuantPost.quantize_op_types': { set: ['Conv'] },
  'QuantPost.skip_tensor_list': { set: ['conv1'] },
  'QuantPost.hist_percent': { set: 0.999, base: { QuantPost: { algo: 'hist' } } },
  'QuantPost.bias_correct': { set: true },
  'QuantPost.round_type': { set: 'adaround' },
  'QuantPost.onnx_format': { fixed: false },
  'QuantPost.qdq_placement': { set: 'conv-only' },
  'QuantPost.deploy_backend': { set: 'tensorrt' },
  'QuantPost.quantize_act_matmul': { set: true },
  'QuantPost.quantize_embeddings': { set: true },
  'HyperParameterOptimization.ptq_algo': { set: ['mse'] },
  'HyperParameterOptimization.weight_quantize_type': { set: ['abs_max'] },
  'HyperParameterOptimization.bias_correct': { set: [true] },
  'HyperParameterOptimization.hist_percent': { set: [0.99], base: { HyperParameterOptimization: { ptq_algo: ['hist'] } } },
  'HyperParameterOptimization.batch_num': { set: [2, 4] },
  'HyperParameterOptimization.round_type': { set: ['round', 'adaround'] },
  'HyperParameterOptimization.max_quant_count': { set: 3 },
  'HyperParameterOptimization.strategy': { set: 'grid' },
  'HyperParameterOptimization.keep_float': { set: [0, 2] },
  'HyperParameterOptimization.activation_symmetric': { set: [false, true] },
  'HyperParameterOptimization.objective': { set: 'cosine' },
  'QuantAware.use_pact': { refuses: true },
  'QuantAware.activation_bits': { refuses: 4 },
  'QuantAware.weight_bits': { set: 4 },
  'QuantAware.weight_quantize_type': { refuses: 'abs_max' },
  'QuantAware.onnx_format': { fixed: false },
  'UnstructurePrune.prune_strategy': { set: 'base' },
  'UnstructurePrune.prune_mode': { refuses: 'threshold' },
  'UnstructurePrune.ratio': { set: 0.5 },
  'ChannelPrune.pruned_ratio': { set: 0.3, base: { ChannelPrune: { pruned_ratio: 0.5 } } },
  'ChannelPrune.prune_params_name': { refuses: ['conv1'], base: { ChannelPrune: { pruned_ratio: 0.5 } } },
  'ChannelPrune.criterion': { set: 'geometry_median', base: { ChannelPrune: { pruned_ratio: 0.5 } } },
  'ASPPrune.prune_params_name': { refuses: ['conv1'] },
  'TrainConfig.epochs': { set: 2 },
  'TrainConfig.learning_rate': { set: 0.01 },
  'TrainConfig.optimizer': { set: 'sgd' },
  'TrainConfig.train_samples': { set: 32 },
};

const unwrap = (s: any): any => {
  for (;;) {
    const t = s?.def?.type;
    if (['optional', 'default', 'nullable', 'prefault'].includes(t)) s = s.def.innerType;
    else if (t === 'pipe') s = s.def.in;
    else return s;
  }
};

/** The keys of a config schema: section.key, and Global.deploy.key for the deploy block. */
function schemaKeys(schema: z.ZodType): string[] {
  const out: string[] = [];
  for (const [section, s] of Object.entries(unwrap(schema).def.shape)) {
    for (const [key, v] of Object.entries(unwrap(s).def.shape)) {
      const u = unwrap(v);
      if (section === 'Global' && key === 'deploy') out.push(...Object.keys(u.def.shape).map((k) => `Global.deploy.${k}`));
      else out.push(`${section}.${key}`);
    }
  }
  return out;
}

/** Schema keys the table does not account for. */
const unread = (schema: z.ZodType): string[] => schemaKeys(schema).filter((k) => !(k in READERS));

/** The raw config with `key` set (or absent when value is undefined), over the probe's base. */
function configWith(key: string, value: unknown, base: Raw = {}, unset: string[] = []): Raw {
  const [section, ...rest] = key.split('.');
  const raw: Raw = { Global: { ...GLOBAL, ...base.Global } };
  for (const [s, v] of Object.entries(base)) if (s !== 'Global') raw[s] = { ...v };
  raw[section] ??= {};
  for (const u of unset) delete raw.Global[u];
  if (value !== undefined) {
    if (rest.length === 2) raw[section][rest[0]] = { ...(raw[section][rest[0]] as object), [rest[1]]: value };
    else raw[section][rest[0]] = value;
  }
  return raw;
}

const compiled = (raw: Raw) => JSON.stringify(compileConfig(parseJobConfig(raw, 'probe')));
const failure = (f: () => unknown): SlimflowError => {
  try {
    f();
  } catch (e) {
    return e as SlimflowError;
  }
  throw new Error('expected a failure');
};

describe('every config key is read, or refused', () => {
  it('the table and the schema name the same keys', () => {
    expect(unread(jobConfigSchema)).toEqual([]);
    const keys = schemaKeys(jobConfigSchema);
    expect(Object.keys(READERS).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('the walk fails on a key no code reads (a dummy key added to the schema)', () => {
    const shape = (jobConfigSchema as unknown as { shape: Record<string, z.ZodType> }).shape;
    const withDummy = z.strictObject({ ...shape, QuantPost: z.strictObject({ ...unwrap(shape.QuantPost).def.shape, dummy_knob: z.number().optional() }).optional() });
    expect(unread(withDummy).filter((k) => !unread(jobConfigSchema).includes(k))).toEqual(['QuantPost.dummy_knob']);
  });

  for (const [key, reader] of Object.entries(READERS)) {
    it(key, () => {
      if ('set' in reader) {
        expect(compiled(configWith(key, reader.set, reader.base, reader.unset))).not.toEqual(compiled(configWith(key, undefined, reader.base, reader.unset)));
      } else if ('fixed' in reader) {
        const e = failure(() => parseJobConfig(configWith(key, reader.fixed), 'probe'));
        expect(e.code).toBe('INVALID_CONFIG');
        expect(e.message).toContain(`${key}:`);
        expect(e.message).toContain('only');
      } else if ('refuses' in reader) {
        const e = failure(() => compileConfig(parseJobConfig(configWith(key, reader.refuses, reader.base), 'probe')));
        expect(e.code).toBe('NOT_SUPPORTED');
        expect(e.message).toContain(key);
      } else {
        expect(fs.readFileSync(path.join(repo, reader.readBy), 'utf8')).toContain(reader.token);
      }
    });
  }

  for (const [key, instead] of Object.entries(UNSUPPORTED_KEYS)) {
    it(`${key} is refused: not supported, remove it`, () => {
      expect(schemaKeys(jobConfigSchema)).not.toContain(key);
      const raw = configWith(key, 1);
      const e = failure(() => parseJobConfig(raw, 'probe'));
      expect(e.message).toBe(`invalid config: ${key}: is not supported; remove it (${instead}) (at probe)`);
    });
  }
});
