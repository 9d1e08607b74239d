// A fleet on a Temporal Schedule, created and triggered through the slimflow CLI: the second run
// skips the unchanged models; a model whose file changed is redone, the other still skipped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSummary } from '../../core/fleet/types';
import { readLatest } from '../../core/fleet/registry';
import { Harness, startHarness, tmpDir } from './harness';
import { testTemporal } from './setup/server';
import { modelVariant, publishes, recordFleetHistory, slimflow, writeManifest } from './fleet-support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('fleet-schedule');
});
afterAll(async () => {
  await h?.stop();
});

describe('fleet schedule', () => {
  it('skips unchanged models on the second trigger and redoes a changed one', async () => {
    const { address, namespace } = testTemporal();
    const dir = tmpDir('fleet-schedule');
    const a = modelVariant(path.join(dir, 'models', 'a.onnx'), 'a1');
    const b = modelVariant(path.join(dir, 'models', 'b.onnx'), 'b1');
    const manifest = writeManifest(dir, 'sched', { a, b });
    const registry = path.join(dir, 'registry');
    const id = `sched-${path.basename(dir)}`;
    const cluster = ['--address', address, '--namespace', namespace, '--task-queue', h.taskQueue];
    // Far-future cron: only our triggers start runs.
    await slimflow(['fleet', 'schedule', manifest, '--cron', '0 0 1 1 *', '--id', id, ...cluster]);
    const handle = h.client.schedule.getHandle(id);

    // Trigger, then wait for the run the schedule's recent actions name.
    const runOnce = async (n: number): Promise<{ summary: FleetSummary; workflowId: string }> => {
      await slimflow(['fleet', 'trigger', id, ...cluster]);
      let workflowId: string | undefined;
      for (let i = 0; i < 600 && !workflowId; i++) {
        const d = await handle.describe();
        workflowId = d.info.recentActions[n - 1]?.action.workflow.workflowId;
        if (!workflowId) await new Promise((r) => setTimeout(r, 200));
      }
      expect(workflowId).toBeDefined();
      return { summary: await h.client.workflow.getHandle(workflowId!).result(), workflowId: workflowId! };
    };

    const first = await runOnce(1);
    expect(first.summary).toMatchObject({ compressed: ['a', 'b'], skipped: [], failed: [], rejected: [] });
    const latestA = readLatest(path.join(registry, 'a'));
    expect(latestA).not.toBeNull();
    for (const f of ['model.onnx', 'report.json', 'report.html', 'key.json']) expect(fs.existsSync(path.join(latestA!.dir, f)), f).toBe(true);
    expect(fs.existsSync(path.join(registry, 'index.html'))).toBe(true);

    const second = await runOnce(2);
    expect(second.summary).toMatchObject({ compressed: [], skipped: ['a', 'b'], failed: [], rejected: [] });
    await recordFleetHistory('skip-all', second.workflowId, { address, namespace });

    // A retrained model (different bytes) is redone; `latest` moves to its new version.
    modelVariant(a, 'a2');
    const third = await runOnce(3);
    expect(third.summary).toMatchObject({ compressed: ['a'], skipped: ['b'], failed: [], rejected: [] });
    const latestA2 = readLatest(path.join(registry, 'a'))!;
    expect(latestA2.key).not.toBe(latestA!.key);
    expect(publishes(registry, 'a')).toHaveLength(2);
    expect(publishes(registry, 'b')).toHaveLength(1);
    await recordFleetHistory('one-changed', third.workflowId, { address, namespace });

    await slimflow(['fleet', 'delete', id, ...cluster]);
    await expect(handle.describe()).rejects.toThrow();
  }, 600_000);
});
