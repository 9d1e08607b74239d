// Training strategies declare their parameters once (core/train/strategies/catalog.ts): each
// implementation's params schema is its declaration's, and the job config's keys that set a strategy
// parameter take its bounds and default, so a value the strategy would refuse fails at load, naming the key.
import { describe, expect, it } from 'vitest';
import { trainingConfigs } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';
import { parseTrainConfig } from '../../../core/train/config';
import '../../../core/train/strategies';
import { strategyParam, strategyParamsSchema, TRAIN_STRATEGIES, TRAIN_STRATEGY_NAMES } from '../../../core/train/strategies/catalog';

const GLOBAL = { model: '/m.onnx', input_name: 'x', input_shape: [8, 3, 48, 192], task: 'ocr-cls', calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 } };
const load = (raw: Record<string, unknown>) => parseJobConfig({ Global: GLOBAL, ...raw });
const strategyOf = (raw: Record<string, unknown>) => trainingConfigs(load(raw)).map((t) => t.strategy as { kind: string; params?: Record<string, unknown> });

describe('training strategies declared once', () => {
  it('each strategy parses {} to its declared defaults and refuses undeclared keys', () => {
    for (const s of TRAIN_STRATEGIES) {
      const schema = strategyParamsSchema(s.name as (typeof TRAIN_STRATEGY_NAMES)[number]);
      expect(schema.parse({}), s.name).toEqual(Object.fromEntries(s.params.filter((p) => !p.optional).map((p) => [p.key, p.default])));
      expect(() => schema.parse({ nope: 1 })).toThrow();
    }
    expect(TRAIN_STRATEGIES.map((s) => s.name)).toEqual([...TRAIN_STRATEGY_NAMES]);
    expect(parseTrainConfig({ strategy: { kind: 'qat' } }).strategy.kind).toBe('qat');
    expect(() => parseTrainConfig({ strategy: { kind: 'gmp' } })).toThrow(/strategy/);
  });

  it('the config keys that set a strategy parameter default to the strategy\'s own value', () => {
    expect(strategyOf({ UnstructurePrune: {} })[0].params!.ratio).toBe(strategyParam('unstructured', 'ratio').default);
    expect(strategyOf({ QuantAware: {} })[0].params!.weightBits).toBe(strategyParam('qat', 'weightBits').default);
  });

  it('a value the strategy would refuse fails at load, naming the key', () => {
    expect(() => load({ UnstructurePrune: { ratio: 0.995 } })).toThrow(/UnstructurePrune\.ratio/);
    expect(() => load({ ChannelPrune: { pruned_ratio: 0.95 } })).toThrow(/ChannelPrune\.pruned_ratio/);
    expect(() => load({ QuantAware: { weight_bits: 1 } })).toThrow(/QuantAware\.weight_bits/);
    // In range, each reaches the compiled strategy.
    expect(strategyOf({ UnstructurePrune: { ratio: 0.5 } })[0].params!.ratio).toBe(0.5);
    expect(strategyOf({ ChannelPrune: { pruned_ratio: 0.5 } })[0].params!.ratio).toBe(0.5);
    expect(strategyOf({ QuantAware: { weight_bits: 4 } })[0].params!.weightBits).toBe(4);
  });
});
