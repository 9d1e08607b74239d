import { describe, expect, it } from 'vitest';
import { trainingConfigs } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';
import { SlimflowError } from '../../../core/errors';
import { parseTrainConfig, stepsPerEpoch } from '../../../core/train/config';
import { loadSampleSet } from '../../../core/train/run';

/** The activity's part of a compiled training config (the workflow keeps the epoch-loop keys). */
const activityConfig = (c: Record<string, unknown>) => { const { epochs: _, ...rest } = c; return parseTrainConfig(rest); };

const job = (extra: Record<string, unknown>, count?: number) => parseJobConfig({
  Global: { model: 'm.onnx', calibration_data: count ? { kind: 'rendered-textlines', task: 'cls', seed: 1, count } : { kind: 'npz', files: ['calib.npz'] } },
  QuantAware: {},
  ...extra,
});

describe('the training set size', () => {
  it('is TrainConfig.train_samples, else the calibration count, else 256', () => {
    const sized = activityConfig(trainingConfigs(job({ TrainConfig: { train_samples: 40 } }, 64))[0]);
    expect(sized.samples).toBe(40);
    expect(stepsPerEpoch(sized)).toBe(5);
    expect(activityConfig(trainingConfigs(job({}, 64))[0]).samples).toBe(64);
    expect(activityConfig(trainingConfigs(job({}))[0]).samples).toBe(256);
  });

  it('refuses a size that is not a positive integer, naming the key', () => {
    const e = (() => { try { job({ TrainConfig: { train_samples: 0 } }); } catch (err) { return err as SlimflowError; } return undefined; })();
    expect(e?.message).toMatch(/TrainConfig\.train_samples/);
  });

  it('is an error naming the key when the data holds fewer samples', async () => {
    const e = await loadSampleSet({ kind: 'rendered-textlines', task: 'cls', count: 6, seed: 2 }, 8, 'x').then(() => undefined, (err: SlimflowError) => err);
    expect(e?.code).toBe('INVALID_DATA');
    expect(e?.path).toBe('TrainConfig.train_samples');
    expect(e?.message).toMatch(/holds 6 samples, the training set size asks for 8/);
  });
});

describe('the distillation target of a compiled training config', () => {
  it('is Global.output for an embedding task, the last weighted layer otherwise', () => {
    const emb = parseJobConfig({ Global: { model: 'm.onnx', task: 'embedding', output: '461', calibration_data: { kind: 'npz', files: ['c.npz'] } }, QuantAware: {} });
    expect(activityConfig(trainingConfigs(emb)[0]).distill.pairs).toEqual([{ student: '461', loss: 'l2', alpha: 1 }]);
    const cls = activityConfig(trainingConfigs(job({}))[0]);
    expect(cls.distill.pairs).toBeUndefined();
    expect(cls.distill.nodes).toBe(1);
  });
});
