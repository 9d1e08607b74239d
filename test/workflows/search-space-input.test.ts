// The search space ptqSearch builds from its input carries every ACT dimension the config names.
import { describe, expect, it } from 'vitest';
import { enumerateSpace, spaceSize, toTrialConfig } from '../../core/search/space';
import { resolveSpace } from '../../workflows/ptq-search';

describe('resolveSpace', () => {
  it('adds round_type as a dimension when the config lists it, and only then', () => {
    const base = { ptq_algo: ['abs_max', 'mse'] };
    const without = resolveSpace(base);
    const withRounding = resolveSpace({ ...base, round_type: ['round', 'adaround'] });
    expect(spaceSize(withRounding)).toBe(2 * spaceSize(without));
    const rounds = enumerateSpace(withRounding).map((a) => toTrialConfig(withRounding, a).roundType ?? 'round');
    expect(new Set(rounds)).toEqual(new Set(['round', 'adaround']));
    expect(enumerateSpace(without).every((a) => toTrialConfig(without, a).roundType === undefined)).toBe(true);
  });
});
