// The training sections' keys are declared once (core/components/train-sections.ts): the config
// schema's sections are exactly the declared keys, and each key's declared default is what an empty
// section compiles to: the same training config as the key set to its default, the value copied
// where the key copies it, and the trainer's or the strategy's own default where the compiled
// field has one (the defaults of the config, the trainer and the strategies agree).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { trainingConfigs } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';
import { jobConfigSchema } from '../../../core/config/schema';
import { TRAIN_SECTIONS, type SectionKey, type TrainSection } from '../../../core/components/train-sections';
import { parseTrainConfig, trainConfigSchema } from '../../../core/train/config';
import { strategyParamsSchema, TRAIN_STRATEGIES } from '../../../core/train/strategies/catalog';

const GLOBAL = { model: '/m.onnx', input_name: 'x', input_shape: [8, 3, 48, 192], task: 'ocr-cls', calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 } };
const SECTIONS: readonly TrainSection[] = TRAIN_SECTIONS;

/** Values for the keys a section requires (every required key needs one here). */
const REQUIRED: Record<string, unknown> = { 'ChannelPrune.pruned_ratio': 0.3 };
/** Other keys a key's effect shows only with (alpha weighs the node pairs). */
const CONTEXT: Record<string, Record<string, unknown>> = { 'Distillation.alpha': { node: ['a', 'b'] } };

const required = (s: TrainSection) => Object.fromEntries(s.keys.filter((k) => !('default' in k) && !k.optional).map((k) => [k.key, REQUIRED[`${s.name}.${k.key}`]]));

/** The training configs of a job with `section` given as `values` (a shared section trains plain distillation). */
function compiled(s: TrainSection, values: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = { Global: GLOBAL, [s.name]: { ...required(s), ...values } };
  if (!s.strategy && s.name !== 'TrainConfig') raw.TrainConfig = {};
  const configs = trainingConfigs(parseJobConfig(raw, 'probe'));
  expect(configs).toHaveLength(1);
  return configs[0];
}

/** The values at a dotted path (an array on the way: one per element). */
function at(o: unknown, path: string): unknown[] {
  let vs: unknown[] = [o];
  for (const p of path.split('.')) vs = vs.flatMap((v) => (Array.isArray(v) ? v : [v])).map((v) => (v as Record<string, unknown> | undefined)?.[p]);
  return vs;
}

const isLiteral = (k: SectionKey) => (k.schema as unknown as { def: { type: string } }).def.type === 'literal';

const unwrap = (s: any): any => (['optional', 'default', 'prefault'].includes(s?.def?.type) ? unwrap(s.def.innerType) : s);

describe('training section keys declared once', () => {
  it('the config schema\'s training sections are exactly the declared keys', () => {
    const shape = (jobConfigSchema as unknown as { shape: Record<string, z.ZodType> }).shape;
    for (const s of SECTIONS) expect(Object.keys(unwrap(shape[s.name]).def.shape), s.name).toEqual(s.keys.map((k) => k.key));
  });

  it('every key sets a compiled field, refuses what is not built, or has one value; every required key has a probe value', () => {
    for (const s of SECTIONS) {
      for (const k of s.keys) {
        expect(!!k.sets || !!k.refuse || isLiteral(k), `${s.name}.${k.key}`).toBe(true);
        if (!('default' in k) && !k.optional) expect(REQUIRED, `${s.name}.${k.key}`).toHaveProperty([`${s.name}.${k.key}`]);
      }
    }
  });

  for (const s of SECTIONS) {
    for (const k of s.keys.filter((x) => 'default' in x)) {
      const name = `${s.name}.${k.key}`;
      it(`${name}: its default (${JSON.stringify(k.default)}) is what the empty section compiles to`, () => {
        const context = CONTEXT[name] ?? {};
        const empty = compiled(s, context);
        expect(empty).toEqual(compiled(s, { ...context, [k.key]: k.default }));
        if (!k.sets) return;
        const values = at(empty, k.sets);
        expect(values.length, name).toBeGreaterThan(0);
        for (const v of values) expect(v, `${name} sets ${k.sets}`).toBeDefined();
        // A key that copies its value: the compiled field is the default itself.
        if (!k.compile) for (const v of values) expect(v).toEqual(k.default);
        // Where the trainer has its own default for the field, it is the same.
        const trainer = at(parseTrainConfig({}), k.sets)[0];
        if (trainer !== undefined && !k.sets.startsWith('strategy.')) for (const v of values) expect(v, `${name}: trainer's ${k.sets}`).toEqual(trainer);
        // Where the section's strategy declares a default for the parameter, it is the same.
        const param = k.sets.match(/^strategy\.params\.(\w+)$/)?.[1];
        const declared = TRAIN_STRATEGIES.find((t) => t.name === s.strategy)?.params.find((p) => p.key === param);
        if (declared && 'default' in declared) for (const v of values) expect(v, `${name}: ${s.strategy}'s ${param}`).toEqual(declared.default);
      });
    }
  }

  it('every field a key sets is the trainer\'s (or epochs, which the training workflow reads), and the compiled configs pass its schemas', () => {
    const fields = [...Object.keys(trainConfigSchema.shape), 'epochs'];
    for (const s of SECTIONS) {
      for (const k of s.keys.filter((x) => x.sets)) expect(fields, `${s.name}.${k.key} sets ${k.sets}`).toContain(k.sets!.split('.')[0]);
      const { epochs, ...rest } = compiled(s, {});
      expect(typeof epochs).toBe('number');
      const parsed = parseTrainConfig(rest);
      expect(parsed.strategy.kind).toBe(s.strategy ?? 'distill');
      expect(() => strategyParamsSchema(parsed.strategy.kind).parse(parsed.strategy.params), s.name).not.toThrow();
    }
  });

  it('the probes compare real fields: a key set off its default changes them', () => {
    const tc = SECTIONS.find((s) => s.name === 'TrainConfig')!;
    expect(at(compiled(tc, { learning_rate: 0.5 }), 'schedule.lr')).toEqual([0.5]);
    const d = SECTIONS.find((s) => s.name === 'Distillation')!;
    expect(at(compiled(d, { node: ['a', 'b'], alpha: [2, 3] }), 'distill.pairs.alpha')).toEqual([2, 3]);
    const cp = SECTIONS.find((s) => s.name === 'ChannelPrune')!;
    expect(at(compiled(cp, { criterion: 'geometry_median' }), 'strategy.params.criterion')).toEqual(['geometric_median']);
  });
});
