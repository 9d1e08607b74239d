import { describe, expect, it } from 'vitest';
import type { PipelineProgress } from '../../core/pipeline';
import { describeDetails, formatDuration, progressView, viewLine } from '../../cli/progress-view';

const progress = (over: Partial<PipelineProgress> = {}): PipelineProgress => ({
  stage: 'search (ptqSearch)',
  percent: 20,
  steps: { baseline: { status: 'succeeded', share: 20 }, search: { status: 'running', share: 60 }, timing: { status: 'pending', share: 20 } },
  ...over,
});

describe('the progress view (live display and slimflow status)', () => {
  it('counts a running search by its trials: 5 of 10 trials of a step worth 60 points is 30 more', () => {
    const v = progressView({ progress: progress(), searches: { search: { search: { trials: 5, budget: 10, paused: false }, elapsedSeconds: 100 } }, heartbeats: [], elapsedSeconds: 150, paused: false });
    expect(v.percent).toBe(50);
    expect(v.trials).toEqual({ done: 5, budget: 10 });
    // During a search its pace decides: 20 s a trial, 5 left.
    expect(v.etaSeconds).toBe(100);
  });

  it('never shows 100 % before the job says done, and 100 % once it does', () => {
    const before = progressView({ progress: progress({ percent: 99.6 }), searches: { search: { search: { trials: 10, budget: 10, paused: false }, elapsedSeconds: 1 } }, heartbeats: [], elapsedSeconds: 10, paused: false });
    expect(before.percent).toBe(99);
    const done = progressView({ progress: progress({ stage: 'done', percent: 100 }), searches: {}, heartbeats: [], elapsedSeconds: 10, paused: false });
    expect(done.percent).toBe(100);
    expect(done.etaSeconds).toBeNull();
  });

  it('shows what the running activities last reported, and no ETA while paused', () => {
    const v = progressView({
      progress: progress({ stage: 'v (validateCandidate)', percent: 40 }), searches: {},
      heartbeats: [{ activity: 'validateCandidate', details: { stage: 'validate', batch: 12 } }], elapsedSeconds: 40, paused: true,
    });
    expect(v.activity).toBe('validateCandidate: validate batch 12');
    expect(v.etaSeconds).toBeNull();
    expect(viewLine(v)).toContain('ETA --');
    expect(viewLine(v)).toContain('40s elapsed');
  });

  it('formats details and durations in few words', () => {
    expect(describeDetails({ label: 'calibrate', done: 3 })).toBe('calibrate done 3');
    expect(describeDetails({ stage: 'compareLatency', round: 4, nested: { a: 1 } })).toBe('compareLatency round 4');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
  });
});

describe('the best so far', () => {
  it('shows the task metric that decides when the candidate carries it', () => {
    const v = progressView({
      progress: progress({ best: { label: 'int8 KL', accuracy: null, agreement: 62.5, latencyMs: 68.1, score: 99.26, metric: 'cosine to teacher' } }),
      searches: {}, heartbeats: [], elapsedSeconds: 10, paused: false,
    });
    expect(v.best).toBe('int8 KL: cosine to teacher 99.26, 68.10 ms');
  });
});
