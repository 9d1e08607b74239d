import { describe, expect, it } from 'vitest';
import type { PtqTrialConfig } from '../../../core/config/compile';
import {
  assignmentKey, buildSearchSpace, decodeVector, encode, encodedLength, enumerateSpace, randomAssignment, spaceSize, toTrialConfig,
} from '../../../core/search/space';
import { Prng } from '../../../core/search/prng';

const base: PtqTrialConfig = { calibrator: 'abs_max', perChannel: true, biasCorrect: false, batchSize: 8, batchNum: 4, opTypes: ['Conv'], skipNodes: [] };
const hpo = {
  ptq_algo: ['abs_max', 'hist', 'mse'],
  weight_quantize_type: ['channel_wise_abs_max', 'abs_max'],
  bias_correct: [false, true],
  hist_percent: [0.9999, 0.999],
  batch_num: [4, 8],
};

describe('search space', () => {
  const space = buildSearchSpace(hpo, base, { activation_symmetric: [false, true], keep_float: [0, 1, 2], sensitiveLayers: ['conv_a', 'conv_b', 'conv_c'] });

  it('makes hist_percent conditional on hist and counts the grid accordingly', () => {
    // (abs_max, mse) × 2 × 2 × 2 × 2 × 3 + hist × 2 percents × 2 × 2 × 2 × 2 × 3
    expect(spaceSize(space)).toBe(2 * 48 + 2 * 48);
    const all = enumerateSpace(space);
    expect(all.filter((a) => a.ptq_algo !== 'hist').every((a) => !('hist_percent' in a))).toBe(true);
    expect(all.filter((a) => a.ptq_algo === 'hist').every((a) => 'hist_percent' in a)).toBe(true);
    expect(new Set(all.map((a) => assignmentKey(space, a))).size).toBe(all.length);
  });

  it('encodes to a fixed-length vector and decodes back', () => {
    const rng = new Prng(4);
    for (let i = 0; i < 50; i++) {
      const a = randomAssignment(space, rng);
      const x = encode(space, a);
      expect(x).toHaveLength(encodedLength(space));
      expect(assignmentKey(space, decodeVector(space, x))).toBe(assignmentKey(space, a));
    }
    // An inactive parameter encodes outside every active value's range.
    const x = encode(space, { ptq_algo: 'mse', weight_quantize_type: 'abs_max', bias_correct: true, batch_num: 8, activation_symmetric: false, keep_float: 0 });
    expect(x).toContain(-1);
  });

  it('turns an assignment into the trial ptqTrial runs', () => {
    const t = toTrialConfig(space, { ptq_algo: 'hist', hist_percent: 0.999, weight_quantize_type: 'abs_max', bias_correct: true, batch_num: 8, activation_symmetric: true, keep_float: 2 });
    expect(t).toEqual({ ...base, calibrator: 'hist', histPercent: 0.999, perChannel: false, biasCorrect: true, batchNum: 8, symmetric: true, skipNodes: ['conv_a', 'conv_b'] });
    // A stale hist_percent never reaches another calibrator.
    const u = toTrialConfig(space, { ptq_algo: 'mse', hist_percent: 0.999 });
    expect(u.histPercent).toBeUndefined();
    expect(u.calibrator).toBe('mse');
  });

  it('drops single-valued dimensions and keep_float without a sensitivity ranking', () => {
    const s = buildSearchSpace({ ptq_algo: ['abs_max'], weight_quantize_type: ['channel_wise_abs_max'], bias_correct: [false] }, base, { keep_float: [0, 1] });
    expect(s.params.map((p) => p.name)).toEqual(['ptq_algo']);
    expect(spaceSize(s)).toBe(1);
  });
});

describe('activation symmetry reaches the calibrator', () => {
  it('as its symmetric parameter, beside hist_percent', async () => {
    const { quantizeOptionsFor } = await import('../../../core/quant/trial-options');
    const { getCalibrator } = await import('../../../core/quant/calibrators');
    const s = buildSearchSpace({ ...hpo, ptq_algo: ['hist', 'mse'] }, base, { activation_symmetric: [false, true] });
    const t = toTrialConfig(s, { ptq_algo: 'hist', hist_percent: 0.999, activation_symmetric: true });
    const o = quantizeOptionsFor(t);
    expect(getCalibrator('hist').paramsSchema.parse(o.calibratorParams)).toMatchObject({ symmetric: true, hist_percent: 0.999 });
    expect(quantizeOptionsFor(toTrialConfig(s, { ptq_algo: 'mse' })).calibratorParams).toBeUndefined();
  });
});
