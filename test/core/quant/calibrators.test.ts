import { describe, expect, it } from 'vitest';
import { batchOfValues, calibratorNames, getCalibrator } from '../../../core/quant/calibrators';
import { int8SymmetricScale, uint8Params } from '../../../core/quant/ranges';
import { SlimflowError } from '../../../core/errors';

describe('calibrator registry', () => {
  it('finds abs_max and names the known calibrators for an unknown one', () => {
    expect(calibratorNames()).toContain('abs_max');
    expect(getCalibrator('abs_max').name).toBe('abs_max');
    try {
      getCalibrator('entropy-typo');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SlimflowError);
      expect((e as SlimflowError).code).toBe('INVALID_CONFIG');
      expect((e as Error).message).toMatch(/known calibrators: .*abs_max/);
    }
  });

  it('abs_max streams batches into min/max and computes (optionally symmetric) ranges', () => {
    const c = getCalibrator('abs_max');
    const params = c.paramsSchema.parse({});
    const stats = c.initStatistics(['a', 'never'], params);
    c.observe(stats, 'a', batchOfValues(Float32Array.of(0.5, -1, 2), 'a'), params);
    c.observe(stats, 'a', batchOfValues(Float32Array.of(3, -0.25), 'a'), params);
    expect(c.computeRanges(stats, params)).toEqual({ a: { min: -1, max: 3, count: 5 }, never: { min: 0, max: 0, count: 0 } });
    const sym = c.paramsSchema.parse({ symmetric: true });
    expect(c.computeRanges(stats, sym).a).toEqual({ min: -3, max: 3, count: 5 });
    expect(() => c.paramsSchema.parse({ bins: 3 })).toThrow();
  });
});

describe('quantization parameters', () => {
  it('maps a range to uint8 with zero exactly representable', () => {
    const p = uint8Params({ min: -1, max: 3 });
    expect(p.scale).toBeCloseTo(4 / 255, 9);
    expect(p.zeroPoint).toBe(64);
    expect(uint8Params({ min: 0.5, max: 2 }).zeroPoint).toBe(0);
  });

  it('gives a constant or all-zero tensor a finite, non-zero scale', () => {
    for (const r of [{ min: 0, max: 0 }, { min: 2, max: 2 }, { min: -3, max: -3 }]) {
      const p = uint8Params(r);
      expect(p.scale).toBeGreaterThan(0);
      expect(Number.isFinite(p.scale)).toBe(true);
      expect(p.zeroPoint).toBeGreaterThanOrEqual(0);
      expect(p.zeroPoint).toBeLessThanOrEqual(255);
    }
    expect(int8SymmetricScale(0)).toBeGreaterThan(0);
  });
});
