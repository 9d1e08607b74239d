// The schedule's overlap policy through the slimflow CLI: `skip` by default, so a run due while the
// previous one still runs does not start; `--overlap` changes it in place; `fleet describe` shows it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSummary } from '../../core/fleet/types';
import { Harness, startHarness, tmpDir } from './harness';
import { testTemporal } from './setup/server';
import { modelVariant, slimflow, writeManifest } from './fleet-support';
import { waitFor } from './search-support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('fleet-overlap');
});
afterAll(async () => {
  await h?.stop();
});

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('fleet schedule overlap policy', () => {
  it('skips a run due while the previous runs, and can be changed in place', async () => {
    const { address, namespace } = testTemporal();
    const dir = tmpDir('fleet-overlap');
    const manifest = writeManifest(dir, 'overlap', { a: modelVariant(path.join(dir, 'models', 'a.onnx'), 'overlap-a') });
    // A larger eval set than the other fleet tests: the first run must outlast a CLI round trip.
    const m = yaml.load(fs.readFileSync(manifest, 'utf8')) as { defaults: { config: { Global: Record<string, unknown> } } };
    m.defaults.config.Global.eval_data = { kind: 'rendered-textlines', task: 'cls', count: 512, seed: 12 };
    fs.writeFileSync(manifest, yaml.dump(m));
    const id = `overlap-${path.basename(dir)}`;
    const schedule = h.client.schedule.getHandle(id);
    const cluster = ['--address', address, '--namespace', namespace, '--task-queue', h.taskQueue];
    const describeJson = async () => lastJson((await slimflow(['fleet', 'describe', id, '--json', ...cluster])).stdout);
    await slimflow(['fleet', 'schedule', manifest, '--cron', '0 0 1 1 *', '--id', id, ...cluster]);
    expect(await describeJson()).toMatchObject({ overlap: 'skip', skippedOverlap: 0 });

    // The first run compresses a new model (seconds); a trigger meanwhile is skipped, not queued.
    await slimflow(['fleet', 'trigger', id, ...cluster]);
    await waitFor('the first run', async () => (await schedule.describe()).info.runningActions.length === 1);
    await slimflow(['fleet', 'trigger', id, ...cluster]);
    await waitFor('the skip to be counted', async () => (await schedule.describe()).info.numActionsSkippedOverlap === 1, 60_000);
    const d = await describeJson();
    expect(d).toMatchObject({ skippedOverlap: 1, running: [expect.any(String)] });
    const first = d.running[0] as string;
    const summary = (await h.client.workflow.getHandle(first).result()) as FleetSummary;
    expect(summary.compressed).toEqual(['a']);
    const after = await describeJson();
    expect(after.recent).toHaveLength(1);
    expect(after.running).toHaveLength(0);

    await slimflow(['fleet', 'schedule', manifest, '--cron', '0 0 1 1 *', '--id', id, '--overlap', 'allow-all', ...cluster]);
    expect(await describeJson()).toMatchObject({ overlap: 'allow-all' });
    await expect(slimflow(['fleet', 'schedule', manifest, '--cron', '0 0 1 1 *', '--id', id, '--overlap', 'sometimes', ...cluster])).rejects.toThrow(/unknown overlap policy "sometimes"/);
    await slimflow(['fleet', 'delete', id, ...cluster]);
  }, 600_000);
});
