// Two assignments that make the same model share a trial key (ptqTrial hashes what the model is made
// from). The second is a repeat: it must count as tried, or the searcher proposes it again after every
// batch and the search never ends. The fixture keys a trial by its calibrator alone, so a placement
// dimension doubles the assignments without adding a model.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PtqSearchInput, PtqSearchResult } from '../../workflows/ptq-search';
import { fakeRef } from './fixture-activities';
import { useFixtureWorker } from './fixture-worker';

const { taskQueue, fixtures, client } = useFixtureWorker('repeat-trials', 20);

const dataset = { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 1 } as never;

describe('ptqSearch over assignments that repeat a model', () => {
  it('ends with every distinct model tried once, the repeats counted as tried', async () => {
    const input: PtqSearchInput = {
      model: fakeRef('src'), teacher: fakeRef('teacher'), calib: dataset, eval: dataset, budget: 6, parallel: 2, strategy: 'random',
      space: { ptq_algo: ['abs_max', 'avg'], placement: ['conv-only', 'integer-path'] }, tolerance: 100,
    };
    const workflowId = `repeat-trials-${randomUUID().slice(0, 8)}`;
    const r = (await client().workflow.execute('ptqSearch', { taskQueue, workflowId, args: [input], workflowRunTimeout: '60s' })) as PtqSearchResult;
    expect(r.trialsRun).toBe(2);
    expect(new Set(r.trials.map((t) => t.label))).toEqual(new Set(['int8 abs_max', 'int8 avg']));
    expect(r.stoppedBy).toMatch(/space exhausted/);
    // Four assignments, each quantized once: no assignment was proposed again.
    expect(fixtures.calls.filter((c) => c.workflowId === workflowId && c.stage === 'ptqTrial')).toHaveLength(4);
  }, 90_000);
});
