// `slimflow status` on a long search that has continued-as-new: the job's start is its first run's,
// the ETA is the search's pace since then times the trials left, and a paused job shows no ETA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobStatus } from '../../cli/commands/status';
import type { PtqSearchProgress, PtqSearchResult } from '../../workflows/ptq-search';
import { Harness, startHarness } from './harness';
import { allRuns, clsSearchInput, waitFor } from './search-support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('status-long');
});
afterAll(async () => {
  await h?.stop();
});

describe('status of a long job', () => {
  it('counts from the first run after continue-as-new, extrapolates trials, and shows no ETA while paused', async () => {
    // A new run every 2 trials: by the third trial the job is on its second run.
    const input = await clsSearchInput(h.storeDir, { budget: 8, parallel: 1, trialsPerRun: 2, seed: 5 });
    const workflowId = `status-long-${h.taskQueue}`;
    const handle = await h.client.workflow.start('ptqSearch', { taskQueue: h.taskQueue, workflowId, args: [input] });
    await waitFor('the second run with a trial more', async () => {
      const p = await handle.query<PtqSearchProgress>('progress');
      return p.search.run >= 1 && p.search.trials >= 3 && p.search.trials < 8;
    });

    const before = Date.now();
    const s = await jobStatus(h.client, workflowId);
    const after = Date.now();
    const runs = await allRuns(h.client, workflowId);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    const firstStart = (await h.client.workflow.getHandle(workflowId, runs[0].runId).describe()).startTime;
    expect(s.startedAt).toBe(firstStart.toISOString());
    expect(s.trials!.budget).toBe(8);
    expect(s.paused).toBe(false);
    // Pace since the first run, times the trials left (bounds: the instants around the call).
    const eta = (now: number) => ((now - firstStart.getTime()) / 1000) * (8 - s.trials!.done) / s.trials!.done;
    expect(s.etaSeconds!).toBeGreaterThanOrEqual(Math.round(eta(before)) - 1);
    expect(s.etaSeconds!).toBeLessThanOrEqual(Math.round(eta(after)) + 1);

    await handle.signal('pause');
    await waitFor('the pause', async () => (await jobStatus(h.client, workflowId)).paused);
    expect((await jobStatus(h.client, workflowId)).etaSeconds).toBeNull();
    await handle.signal('stop');
    expect(((await handle.result()) as PtqSearchResult).stoppedBy).toMatch(/^stopped by signal \(\d+ of 8 trials run\)$/);
  }, 600_000);
});
