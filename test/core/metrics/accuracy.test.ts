import { describe, expect, it } from 'vitest';
import { AccuracyMeter } from '../../../core/metrics/accuracy';
import { SlimflowError } from '../../../core/errors';

const scores = (rows: number[][]) => ({ dtype: 'float32' as const, dims: [rows.length, rows[0].length], data: Float32Array.from(rows.flat()) });

describe('AccuracyMeter', () => {
  it('streams top-1 over batches in points', () => {
    const m = new AccuracyMeter();
    expect(m.value()).toBeNaN();
    m.update(scores([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), [0, 1, 1]); // 2 of 3
    m.update(scores([[0.3, 0.7]]), [1]); // 3 of 4
    expect(m.count).toBe(4);
    expect(m.value()).toBe(75);
  });

  it('breaks ties toward the first class', () => {
    const m = new AccuracyMeter();
    m.update(scores([[0.5, 0.5, 0.1]]), [0]);
    expect(m.value()).toBe(100);
  });

  it('rejects mismatched label counts and labels outside the classes', () => {
    const m = new AccuracyMeter();
    expect(() => m.update(scores([[1, 0]]), [0, 1])).toThrow(SlimflowError);
    expect(() => m.update(scores([[1, 0]]), [2])).toThrow(/outside the model's 2 classes/);
    expect(() => m.update({ dtype: 'float32', dims: [2], data: new Float32Array(2) }, [0, 0])).toThrow(/N×C/);
  });
});
