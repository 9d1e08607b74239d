import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../core/report/html';
import { renderFleetIndex } from '../../../core/report/fleet-index';
import { paretoFront } from '../../../core/report/pareto';
import { chromiumBin, loadPage, networkRefs } from './chromium';
import { sampleReport } from './fixtures';

// Without Chromium the page checks are skipped (CI installs it: see .ci/run).
const bin = chromiumBin();

describe('report page', () => {
  it('finds the Pareto front: faster points must be less accurate', () => {
    const pts = [{ label: 'a', x: 10, y: 90 }, { label: 'b', x: 20, y: 95 }, { label: 'd', x: 25, y: 89 }, { label: 'c', x: 30, y: 99 }, { label: 'e', x: 31, y: 94 }];
    expect(paretoFront(pts).map((i) => pts[i].label)).toEqual(['a', 'b', 'c']);
  });

  it('is self-contained: no scripts, no network, text escaped, every section present', () => {
    const html = renderReportHtml(sampleReport(), { config: { Global: { model: 'x<y' } }, pipeline: { steps: {} }, sensitivity: [{ layer: 'conv1', mse: 0.01, sqnr: 22 }] });
    expect(html).not.toMatch(/<script/i);
    expect(networkRefs(html)).toEqual([]);
    expect(html).toContain('c &lt;b&gt;');
    expect(html).toContain('x&lt;y');
    for (const id of ['comparison', 'chart', 'pareto', 'candidates', 'sensitivity', 'skipped', 'config', 'pipeline']) expect(html).toContain(`id="${id}"`);
    // One circle per candidate (the baseline is a square).
    expect(html.match(/<circle class="candidate/g)).toHaveLength(5);
  });

  it("shows the report's own sensitivity rows and the automatic mode's strategy table", () => {
    const report = {
      ...sampleReport(),
      sensitivity: [{ layer: 'stem<conv>', tensor: 't', mse: 0.02, sqnr: 11.5 }],
      strategies: [{ strategy: 'int8', predictedMs: 4.2, speedup: 2.1, decision: 'run' as const, reason: 'speedup 2.10x (predicted)' }],
    };
    const html = renderReportHtml(report);
    expect(html).toContain('<td>stem&lt;conv&gt;</td><td>11.50</td>');
    expect(html).toMatch(/<table id="strategies">[\s\S]*<td>int8<\/td><td>4.20<\/td><td>2.10x<\/td><td>run<\/td>/);
  });

  it.skipIf(!bin)('opens in headless Chromium: chart renders a point per candidate and the Pareto path, no console errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-html-'));
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, renderReportHtml(sampleReport(), { config: { a: 1 } }));
    const page = loadPage(bin!, file);
    expect(page.console).toEqual([]);
    expect(page.dom).toContain('<svg id="chart"');
    expect(page.dom.match(/<circle class="candidate/g)).toHaveLength(5);
    // Front over candidates and FP32 baseline: a (10 ms), b, c, and the baseline (40 ms, 100) — 4 points.
    expect(page.dom).toMatch(/<path id="pareto" class="pareto" d="M[^"]+" data-points="4"/);
    expect(page.screenshotBytes).toBeGreaterThan(10_000);
  });

  it.skipIf(!bin)('the fleet index opens and links every model report', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-index-'));
    const file = path.join(dir, 'index.html');
    fs.writeFileSync(file, renderFleetIndex('demo', [
      { name: 'm1', status: 'compressed', version: 'abc', report: 'm1/abc/report.html', speedup: 1.5, accuracyDrop: 0.2 },
      { name: 'm2', status: 'failed', reason: 'model file is not ONNX <bad>' },
    ], '2026-11-25T00:00:00Z'));
    const page = loadPage(bin!, file);
    expect(page.console).toEqual([]);
    expect(page.dom).toContain('href="m1/abc/report.html"');
    expect(page.dom).toContain('model file is not ONNX &lt;bad&gt;');
  });

});
