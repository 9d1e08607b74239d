// One corrupt model in a fleet: the others are published, the bad one is reported with a clear
// error, and nothing of it lands in the registry.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSummary } from '../../core/fleet/types';
import { readLatest } from '../../core/fleet/registry';
import { Harness, startHarness, tmpDir } from './harness';
import { testTemporal } from './setup/server';
import { modelVariant, publishes, recordFleetHistory, writeManifest } from './fleet-support';
import { chromiumBin, loadPage } from '../core/report/chromium';
import type { JobReport } from '../../core/report/report';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('fleet-corrupt');
});
afterAll(async () => {
  await h?.stop();
});

describe('fleet with a corrupt model', () => {
  it('publishes the good model and reports the bad one', async () => {
    const dir = tmpDir('fleet-corrupt');
    const good = modelVariant(path.join(dir, 'models', 'good.onnx'), 'good');
    const bad = path.join(dir, 'models', 'bad.onnx');
    // The first 4 KiB of a real model: what a broken download leaves behind.
    fs.writeFileSync(bad, fs.readFileSync(good).subarray(0, 4096));
    const manifest = writeManifest(dir, 'corrupt', { good, bad });
    const workflowId = `fleet-corrupt-${path.basename(dir)}`;
    const summary: FleetSummary = await h.client.workflow.execute('fleetRecompress', { taskQueue: h.taskQueue, workflowId, args: [{ manifestPath: manifest }] });
    expect(summary.compressed).toEqual(['good']);
    expect(summary.failed).toEqual(['bad']);
    const reason = summary.outcomes.find((o) => o.name === 'bad')!.reason!;
    expect(reason).toMatch(/not (a readable )?ONNX/);
    expect(reason).toContain('bad.onnx');
    const registry = path.join(dir, 'registry');
    expect(readLatest(path.join(registry, 'good'))).not.toBeNull();
    expect(publishes(registry, 'bad')).toEqual([]);
    expect(readLatest(path.join(registry, 'bad'))).toBeNull();
    const index = fs.readFileSync(path.join(registry, 'index.html'), 'utf8');
    expect(index).toContain('good/');
    expect(index).toMatch(/bad<\/td><td class="bad">failed/);
    // The real pages open in headless Chromium: index links the good report; its chart has a point per candidate.
    const bin = chromiumBin();
    if (bin) {
      const idx = loadPage(bin, path.join(registry, 'index.html'));
      expect(idx.console).toEqual([]);
      const dir = readLatest(path.join(registry, 'good'))!.dir;
      expect(idx.dom).toContain(`href="good/${path.basename(dir)}/report.html"`);
      const page = loadPage(bin, path.join(dir, 'report.html'));
      expect(page.console).toEqual([]);
      const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as JobReport;
      expect(page.dom.match(/<circle class="candidate/g)).toHaveLength(report.candidates.length);
      expect(page.dom).toMatch(/<path id="pareto" class="pareto" d="M/);
      expect(page.dom).toContain(path.join(dir, 'model.onnx'));
    }
    const { address, namespace } = testTemporal();
    await recordFleetHistory('one-corrupt', workflowId, { address, namespace });
  }, 600_000);
});
