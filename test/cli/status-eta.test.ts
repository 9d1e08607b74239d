import { describe, expect, it } from 'vitest';
import { estimateEta } from '../../cli/commands/status-eta';

const base = { running: true, paused: false, elapsedSeconds: 600, percent: 25, trials: null, searchElapsedSeconds: null };

describe('the ETA slimflow status shows', () => {
  it('extrapolates the share done over the time since the first run started', () => {
    expect(estimateEta(base)).toBe(1800);
  });

  it('during a search, uses its pace per trial rather than the job\'s percent', () => {
    // 4 of 20 trials in 400 s: 100 s a trial, 16 left.
    expect(estimateEta({ ...base, trials: { done: 4, budget: 20 }, searchElapsedSeconds: 400 })).toBe(1600);
    // No trial finished yet: nothing to extrapolate from the search; the job's percent still is.
    expect(estimateEta({ ...base, trials: { done: 0, budget: 20 }, searchElapsedSeconds: 400 })).toBe(1800);
  });

  it('has none while paused, once finished, or before anything is done', () => {
    expect(estimateEta({ ...base, paused: true })).toBeNull();
    expect(estimateEta({ ...base, running: false })).toBeNull();
    expect(estimateEta({ ...base, percent: 0 })).toBeNull();
    expect(estimateEta({ ...base, percent: 100 })).toBeNull();
    expect(estimateEta({ ...base, percent: null })).toBeNull();
  });
});
