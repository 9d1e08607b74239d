import { describe, expect, it } from 'vitest';
import { fitBooster, predictBooster } from '../../../core/latency/trees';

describe('boosted regression trees', () => {
  it('fit a log-linear trend plus a step, deterministically, and extrapolate along the trend', () => {
    const xs: number[][] = [];
    const ys: number[] = [];
    for (let a = 1; a <= 10; a++) for (let b = 0; b < 4; b++) {
      xs.push([a, a + 1, b]);
      ys.push(0.5 + 0.8 * a + (b >= 2 ? 0.7 : 0));
    }
    const f = fitBooster(xs, ys);
    expect(fitBooster(xs, ys)).toEqual(f);
    expect(predictBooster(f, [5, 6, 3])).toBeCloseTo(0.5 + 4 + 0.7, 1);
    expect(predictBooster(f, [5, 6, 0])).toBeCloseTo(0.5 + 4, 1);
    // Beyond the training range the baseline carries the trend (trees alone would flatten).
    expect(predictBooster(f, [20, 21, 0])).toBeGreaterThan(predictBooster(f, [10, 11, 0]) + 5);
  });
});
