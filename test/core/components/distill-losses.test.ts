// Distillation losses are declared once (core/train/losses/catalog.ts): the config accepts exactly the
// declared names with one default, each implementation's params schema is its declaration's, and the
// compiled training config and the trainer's own default name the same loss.
import { describe, expect, it } from 'vitest';
import { trainingConfigs } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';
import { parseTrainConfig } from '../../../core/train/config';
import { getDistillLoss } from '../../../core/train/losses';
import { DEFAULT_DISTILL_LOSS, DISTILL_LOSSES } from '../../../core/train/losses/catalog';

const GLOBAL = { model: '/m.onnx', input_name: 'x', input_shape: [8, 3, 48, 192], task: 'ocr-cls', calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 } };

describe('distillation losses declared once', () => {
  it('each loss parses {} to its declared defaults and refuses undeclared keys', () => {
    for (const l of DISTILL_LOSSES) {
      expect(getDistillLoss(l.name).paramsSchema.parse({}), l.name).toEqual(Object.fromEntries(l.params.map((p) => [p.key, p.default])));
      expect(() => getDistillLoss(l.name).paramsSchema.parse({ nope: 1 })).toThrow();
    }
  });

  it('Distillation.loss takes every declared loss into the compiled training config, and refuses another', () => {
    for (const l of DISTILL_LOSSES) {
      const [train] = trainingConfigs(parseJobConfig({ Global: GLOBAL, Distillation: { loss: l.name, node: ['a'] }, TrainConfig: {} }));
      expect((train.distill as { pairs: { loss: string }[] }).pairs[0].loss).toBe(l.name);
    }
    expect(() => parseJobConfig({ Global: GLOBAL, Distillation: { loss: 'kl' } })).toThrow(/Distillation\.loss/);
  });

  it('the config, the compiled training config and the trainer default to the same loss', () => {
    expect(parseJobConfig({ Global: GLOBAL, Distillation: {} }).Distillation!.loss).toBe(DEFAULT_DISTILL_LOSS);
    const [train] = trainingConfigs(parseJobConfig({ Global: GLOBAL, TrainConfig: {} }));
    expect((train.distill as { loss: string }).loss).toBe(DEFAULT_DISTILL_LOSS);
    expect(parseTrainConfig({}).distill.loss).toBe(DEFAULT_DISTILL_LOSS);
    expect(DISTILL_LOSSES[0].name).toBe(DEFAULT_DISTILL_LOSS);
  });
});
