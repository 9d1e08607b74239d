// Each PTQ trial parameter is declared once (core/components/ptq-params.ts) and every reader agrees
// with the declaration: the QuantPost and HyperParameterOptimization schemas, the base trial with and
// without a QuantPost section, the search space's tester point, the calibrators' and roundings' own
// params schemas, and the quantizer options.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PLACEMENTS } from '../../../core/config/placements';
import { baseTrial } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';
import { jobConfigSchema } from '../../../core/config/schema';
import { quantPostDefaults, TRIAL_PARAMS, trialParam } from '../../../core/components/ptq-params';
import { CALIBRATORS } from '../../../core/quant/calibrators/catalog';
import { calibratorNames, getCalibrator } from '../../../core/quant/calibrators';
import { WEIGHT_ROUNDINGS } from '../../../core/quant/rounding-catalog';
import { getWeightRounding } from '../../../core/quant/weight-rounding';
import { PLACEMENT_OPTIONS, quantizeOptionsFor } from '../../../core/quant/trial-options';
import { SEARCH_STRATEGIES, SEARCH_STRATEGY_NAMES } from '../../../core/search/search-strategies';
import { baseAssignment, resolveSpace, toTrialConfig } from '../../../core/search/space';

const GLOBAL = { model: '/m.onnx', input_name: 'x', input_shape: [8, 3, 48, 192], task: 'ocr-cls', calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 } };
const shape = (key: 'QuantPost' | 'HyperParameterOptimization') =>
  (jobConfigSchema.shape[key] as unknown as z.ZodOptional<z.ZodObject>).unwrap().shape as Record<string, z.ZodType>;

/** A value of the parameter other than its default (from its schema's choices, else a nearby number). */
function another(key: string): string | number | boolean {
  const d = trialParam(key)!;
  if (typeof d.default === 'boolean') return !d.default;
  if (typeof d.default === 'number') return key === 'hist_percent' ? 0.999 : d.default + 1;
  if (key === 'ptq_algo') return 'mse';
  return (d.schema as unknown as z.ZodEnum).options.find((o) => o !== d.default) as string;
}

describe('PTQ trial parameters declared once', () => {
  it('every declared QuantPost key is in the schema with the declared default', () => {
    const qp = parseJobConfig({ Global: GLOBAL, QuantPost: {} }).QuantPost as Record<string, unknown>;
    for (const d of TRIAL_PARAMS.filter((p) => p.quantPost)) {
      expect(shape('QuantPost')).toHaveProperty(d.quantPost!.key);
      // An optional key stays absent (the parsed config keeps its shape) and means the default.
      if (d.quantPost!.optional) expect(qp[d.quantPost!.key], d.key).toBeUndefined();
      else if (!d.quantPost!.schema) expect(qp[d.quantPost!.key], d.key).toEqual(d.default);
    }
    expect(qp.qdq_placement).toBe('auto');
    // What the automatic mode fills in for a config without QuantPost (core/search/strategy.ts) is the same.
    const defaults = quantPostDefaults();
    expect(Object.keys(defaults).length).toBeGreaterThan(4);
    for (const [k, v] of Object.entries(defaults)) expect(qp[k], k).toEqual(v);
  });

  it('every HPO list key is in the schema, with the declared list default or optional', () => {
    const hpo = parseJobConfig({ Global: GLOBAL, HyperParameterOptimization: {} }).HyperParameterOptimization as Record<string, unknown>;
    for (const d of TRIAL_PARAMS.filter((p) => p.hpo !== false)) {
      expect(shape('HyperParameterOptimization'), d.key).toHaveProperty(d.key);
      expect(hpo[d.key], d.key).toEqual(d.hpo ? d.hpo.default : undefined);
    }
    expect(hpo.ptq_algo).toEqual(calibratorNames());
  });

  it('the base trial stands for every declared default, with an empty QuantPost and without one', () => {
    for (const config of [{ Global: GLOBAL }, { Global: GLOBAL, QuantPost: {} }]) {
      const t = baseTrial(parseJobConfig(config));
      for (const d of TRIAL_PARAMS) expect(d.get(t) ?? d.default, d.key).toEqual(d.default);
    }
  });

  it('the calibration batch size is the feed\'s batch with an empty QuantPost, without one, and in the automatic mode', () => {
    const odd = { ...GLOBAL, input_shape: [4, 3, 48, 192] };
    const sizes = [{ Global: odd }, { Global: odd, QuantPost: {} }].map((c) => baseTrial(parseJobConfig(c)).batchSize);
    expect(sizes).toEqual([4, 4]);
    expect(baseTrial(parseJobConfig({ Global: odd, QuantPost: { batch_size: 2 } })).batchSize).toBe(2);
  });

  it('a QuantPost value reaches the base trial, and the search sets and reads back every value', () => {
    for (const d of TRIAL_PARAMS) {
      const v = another(d.key);
      if (d.quantPost && !d.quantPost.schema) {
        const qp = { [d.quantPost.key]: v, ...(d.when ? { algo: d.when.in[0] } : {}) };
        expect(d.get(baseTrial(parseJobConfig({ Global: GLOBAL, QuantPost: qp }))), d.key).toEqual(v);
      }
      const space = resolveSpace({ [d.key]: [d.default, v], ...(d.when ? { [d.when.param]: d.when.in } : {}), sensitiveLayers: ['a', 'b'] });
      expect(space.params.map((p) => p.name), d.key).toContain(d.key);
      const t = toTrialConfig(space, { ...baseAssignment(space), [d.key]: v });
      if (d.key === 'keep_float') expect(t.skipNodes).toEqual(['a']);
      else expect(d.get(t), d.key).toEqual(v);
    }
  });

  it('the tester point (base assignment) of a space over [other, default] is the declared default', () => {
    for (const d of TRIAL_PARAMS) {
      const base = baseTrial(parseJobConfig({ Global: GLOBAL, QuantPost: d.when ? { algo: String(d.when.in[0]) } : {} }));
      const space = resolveSpace({ [d.key]: [another(d.key), d.default], sensitiveLayers: ['a', 'b'], base });
      expect(baseAssignment(space)[d.key], d.key).toEqual(d.default);
    }
  });

  it('a conditional parameter is cleared when its condition fails (no stale hist_percent on another calibrator)', () => {
    const space = resolveSpace({ ptq_algo: ['hist', 'mse'], hist_percent: [0.999, 0.9999], base: { histPercent: 0.999 } });
    expect(toTrialConfig(space, { ptq_algo: 'mse' }).histPercent).toBeUndefined();
    expect(toTrialConfig(space, { ptq_algo: 'hist', hist_percent: 0.9999 }).histPercent).toBe(0.9999);
    expect(space.params.find((p) => p.name === 'hist_percent')!.when).toEqual({ param: 'ptq_algo', in: ['hist'] });
    // Without hist among the calibrators the dimension does not exist.
    expect(resolveSpace({ ptq_algo: ['mse', 'KL'], hist_percent: [0.999, 0.9999] }).params.map((p) => p.name)).toEqual(['ptq_algo']);
  });

  it('calibrator parameters are the calibrators\' own declared ones, with the same defaults', () => {
    for (const d of TRIAL_PARAMS.filter((p) => p.calibratorParam)) {
      const owners = CALIBRATORS.filter((c) => c.params.some((p) => p.key === d.calibratorParam));
      expect(owners.length, d.key).toBeGreaterThan(0);
      for (const c of owners) expect((getCalibrator(c.name).paramsSchema.parse({}) as Record<string, unknown>)[d.calibratorParam!], `${c.name}.${d.calibratorParam}`).toEqual(d.default);
    }
  });

  it('each calibrator and weight rounding parses {} to its declared defaults and refuses undeclared keys', () => {
    for (const c of CALIBRATORS) {
      expect(getCalibrator(c.name).paramsSchema.parse({})).toEqual(Object.fromEntries(c.params.map((p) => [p.key, p.default])));
      expect(() => getCalibrator(c.name).paramsSchema.parse({ nope: 1 })).toThrow();
    }
    for (const r of WEIGHT_ROUNDINGS) {
      expect(getWeightRounding(r.name).paramsSchema.parse({})).toEqual(Object.fromEntries(r.params.map((p) => [p.key, p.default])));
      for (const p of r.params) for (const v of p.search ?? []) expect(() => getWeightRounding(r.name).paramsSchema.parse({ [p.key]: v })).not.toThrow();
    }
    expect((trialParam('round_type')!.schema as unknown as z.ZodEnum).options).toEqual(WEIGHT_ROUNDINGS.map((r) => r.name));
  });

  it('every declared parameter reaches the quantizer options', () => {
    const base = baseTrial(parseJobConfig({ Global: GLOBAL }));
    const plain = quantizeOptionsFor(base);
    for (const d of TRIAL_PARAMS) {
      if (d.key === 'keep_float') continue; // skipped nodes, checked above
      const t = { ...base, skipNodes: [] };
      d.set(t, another(d.key) as never);
      if (d.when) trialParam(d.when.param)!.set(t, d.when.in[0] as never);
      expect(quantizeOptionsFor(t), d.key).not.toEqual(plain);
    }
    for (const p of PLACEMENTS) expect(PLACEMENT_OPTIONS[p], p).toBeDefined();
  });

  it('the search strategies the schema accepts are the registry\'s', () => {
    expect([...SEARCH_STRATEGY_NAMES].sort()).toEqual(Object.keys(SEARCH_STRATEGIES).sort());
    expect((shape('HyperParameterOptimization').strategy as unknown as z.ZodDefault<z.ZodEnum>).unwrap().options).toEqual([...SEARCH_STRATEGY_NAMES]);
  });
});
