// The fleet index links every model's report: this run's when it made one, else the accepted
// version's, so a model that failed tonight still links the report of the model consumers get.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFleetActivities } from '../../../activities/fleet-activities';
import { publishVersion, setLatest } from '../../../core/fleet/registry';

function publishWithReport(modelRoot: string, key: string): string {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-index-src-'));
  fs.writeFileSync(path.join(src, 'report.html'), `<p>${key}</p>`);
  const { dir } = publishVersion(modelRoot, { name: path.basename(modelRoot), key, parts: {}, accepted: true, publishedAt: '2026-11-24T02:00:00Z', workflowId: 'w' }, { 'report.html': path.join(src, 'report.html') });
  setLatest(modelRoot, key, '2026-11-24T02:00:00Z');
  return dir;
}

describe('fleet index links', () => {
  it('links this run\'s report, else the accepted version\'s, and says when there is none', async () => {
    const registry = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-index-'));
    const roots = { ok: path.join(registry, 'ok'), broke: path.join(registry, 'broke'), fresh: path.join(registry, 'fresh') };
    const okDir = publishWithReport(roots.ok, 'a'.repeat(64));
    publishWithReport(roots.broke, 'b'.repeat(64));
    const { path: index } = await createFleetActivities().writeFleetIndex({
      fleet: 'demo',
      registry,
      outcomes: [
        { name: 'ok', status: 'skipped', versionDir: okDir, reason: 'unchanged' },
        { name: 'broke', status: 'failed', reason: 'model file is not ONNX' },
        { name: 'fresh', status: 'failed', reason: 'model file is not ONNX' },
      ],
      entries: Object.entries(roots).map(([name, modelRoot]) => ({ name, modelRoot })),
    });
    const html = fs.readFileSync(index, 'utf8');
    const row = (name: string) => html.split('\n').find((l) => l.includes(`>${name}<`))!;
    expect(row('ok')).toContain(`href="ok/${'a'.repeat(16)}/report.html"`);
    // Failed tonight, but its accepted version's report is one click away (name and latest column).
    expect(row('broke').match(/href="broke\/b{16}\/report\.html"/g)).toHaveLength(2);
    // Never published: nothing to link, and the page says there is no latest.
    expect(row('fresh')).not.toContain('href=');
    expect(row('fresh')).toContain('<td>none</td>');
    for (const href of html.match(/href="([^"]+)"/g)!.map((h) => h.slice(6, -1))) expect(fs.existsSync(path.join(registry, href)), href).toBe(true);
  });
});
