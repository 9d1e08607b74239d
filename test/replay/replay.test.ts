// Replays every recorded workflow history (test/replay/histories/*.json, recorded by the search
// integration tests with SLIMFLOW_RECORD_HISTORIES=1) against the current workflow code: a change
// that would make a running search take a different path fails here, before it reaches a cluster.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../workers/start-worker';
import { historyFromFile } from './load-history';

const DIR = path.join(__dirname, 'histories');
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort() : [];

describe('recorded workflow histories', () => {
  it('exist for the search runs (basic, worker crash, server restart) and autoCompress with a search or training', () => {
    // auto-train-pre-contest was recorded by the code before the trained student competed for model.onnx;
    // search-basic and auto-search before the search spent its budget (tester stop, no calibrator coverage);
    // every other autoCompress history before the plan activity (auto-stop-before-search is after it).
    for (const name of ['auto-stop-before-search', 'auto-stop-before-search-child', 'search-basic', 'search-worker-crash', 'search-server-restart', 'auto-search', 'auto-train', 'auto-train-pre-contest', 'search-spends-budget', 'auto-search-spends-budget', 'auto-search-child-spends-budget', 'search-worker-crash-spends-budget', 'search-server-restart-spends-budget']) {
      expect(files.some((f) => f.startsWith(`${name}-`)), name).toBe(true);
    }
  });

  it('replay against the current workflow code without nondeterminism', async () => {
    // A file is the history itself, or { workflowId, history } when the id matters (autoCompress names its children after it).
    const histories = files.map((f) => {
      const raw = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as { workflowId?: string; history?: unknown };
      return raw.workflowId && raw.history
        ? { workflowId: raw.workflowId, history: historyFromFile(raw.history) }
        : { workflowId: f.replace(/\.json$/, ''), history: historyFromFile(raw) };
    });
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) {
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(histories.length).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('include a job that planned in the planCompression activity and started its search with the stop in its input', () => {
    const raw = JSON.parse(fs.readFileSync(path.join(DIR, 'auto-stop-before-search-run0.json'), 'utf8')) as { history: { events: Record<string, any>[] } };
    const events = raw.history.events;
    const decode = (p: { data: string }) => JSON.parse(Buffer.from(p.data, 'base64').toString('utf8'));
    const patches = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => decode(e.markerRecordedEventAttributes.details['patch-data'].payloads[0]).id);
    expect(patches).toEqual(expect.arrayContaining(['plan-activity', 'child-start-control']));
    const activities = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes.activityType.name);
    expect(activities).toContain('planCompression');
    const child = events.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)!.startChildWorkflowExecutionInitiatedEventAttributes;
    expect(decode(child.input.payloads[0]).control).toEqual({ stopped: true, paused: false });
  });

  /** Replay one autoCompress history with its first activity of `type` renamed: the replay must refuse it. */
  const replayRenamed = async (prefix: string, type?: string) => {
    const raw = JSON.parse(fs.readFileSync(path.join(DIR, files.find((f) => f.startsWith(prefix))!), 'utf8')) as { workflowId: string; history: { events: Record<string, any>[] } };
    const scheduled = raw.history.events.find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED' && (!type || e.activityTaskScheduledEventAttributes.activityType.name === type))!;
    const original = scheduled.activityTaskScheduledEventAttributes.activityType.name as string;
    scheduled.activityTaskScheduledEventAttributes.activityType.name = original === 'publishModel' ? 'optimizeGraph' : 'publishModel';
    const results: { error?: Error }[] = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, [{ workflowId: raw.workflowId, history: historyFromFile(raw.history) }])) results.push(r);
    expect(results).toHaveLength(1);
    expect(results[0].error?.name ?? '').toMatch(/Determinism/);
  };

  it('fail to replay once changed: a history whose planCompression was another activity is refused (negative control)', async () => {
    await replayRenamed('auto-stop-before-search-run', 'planCompression');
  }, 120_000);

  it('fail to replay once changed: a history whose first activity was another stage is refused (negative control)', async () => {
    await replayRenamed('auto-search-run');
  }, 120_000);
});
