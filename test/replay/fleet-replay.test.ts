// Replays the recorded fleetRecompress histories (test/replay/fleet-histories/*.json: workflow id + history,
// recorded by the fleet integration tests with SLIMFLOW_RECORD_HISTORIES=1) against the current
// workflow code: a change that would send a running fleet down another path fails here first.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../workers/start-worker';
import { historyFromFile } from './load-history';

const DIR = path.join(__dirname, 'fleet-histories');
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort() : [];

describe('recorded fleetRecompress histories', () => {
  it('cover a failed model, skipped models, a redone model, a server restart and a pipeline entry', () => {
    for (const name of ['one-corrupt', 'skip-all', 'one-changed', 'server-restart', 'pipeline-entry']) expect(files, name).toContain(`${name}.json`);
  });

  it('replay against the current workflow code without nondeterminism', async () => {
    // The recorded workflow id matters: the fleet names its children after it.
    const histories = files.map((f) => {
      const rec = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as { workflowId: string; history: unknown };
      return { workflowId: rec.workflowId, history: historyFromFile(rec.history) };
    });
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) {
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(histories.length).toBeGreaterThan(0);
  }, 120_000);
});
