import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { niceAxis } from '../../../core/report/chart-axes';
import { renderReportHtml } from '../../../core/report/html';
import { accuracyLatencyChart } from '../../../core/report/svg-chart';
import { chromiumBin, loadPage } from './chromium';
import { sampleReport } from './fixtures';

const bin = chromiumBin();

/** The default job's figures from the issue: ticks read 98.6, 98.6, 98.5 … and x ticks fell on 7.77, 8.67. */
const CLS_LIKE = { x: [10.64, 6.75, 11.89, 9.95], y: [98.63, 98.63, 98.44, 98.83] };

const labelsOf = (svg: string, cls: string) => [...svg.matchAll(new RegExp(`class="tick ${cls}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);

describe('chart axes', () => {
  it('gives distinct labels on round steps that span every value', () => {
    for (const values of [CLS_LIKE.x, CLS_LIKE.y, [99.79, 100, 99.8], [0.001, 0.0012], [150, 71.2, 160]]) {
      const a = niceAxis(values, 5);
      const labels = a.ticks.map((t) => t.label);
      expect(new Set(labels).size).toBe(labels.length);
      expect(a.domain[0]).toBeLessThanOrEqual(Math.min(...values));
      expect(a.domain[1]).toBeGreaterThanOrEqual(Math.max(...values));
      for (const t of a.ticks) expect(t.value).toBeGreaterThanOrEqual(a.domain[0] - 1e-9);
      for (const t of a.ticks) expect(t.value).toBeLessThanOrEqual(a.domain[1] + 1e-9);
      // Equal steps: a round grid, not lo + i·(hi − lo)/4.
      const steps = a.ticks.slice(1).map((t, i) => t.value - a.ticks[i].value);
      for (const s of steps) expect(s).toBeCloseTo(steps[0], 9);
    }
  });

  it('never draws a tick past a bound the quantity cannot pass (100 points)', () => {
    const a = niceAxis([99.2, 99.9, 100], 5, 100);
    expect(a.domain[1]).toBe(100);
    expect(Math.max(...a.ticks.map((t) => t.value))).toBeLessThanOrEqual(100);
    // Without the cap, d3's nice bound may pass it; the cap only matters when it does.
    expect(niceAxis([10, 20], 5, 100).domain[1]).toBe(20);
  });

  it('spreads a single value around itself instead of a zero-width domain', () => {
    const a = niceAxis([7, 7], 5);
    expect(a.domain[0]).toBeLessThan(7);
    expect(a.domain[1]).toBeGreaterThan(7);
  });
});

describe('accuracy-latency chart', () => {
  const pts = CLS_LIKE.x.slice(2).map((x, i) => ({ label: `int8 ${i}`, x, y: CLS_LIKE.y[i + 2] }));
  const base = { label: 'FP32', x: CLS_LIKE.x[0], y: CLS_LIKE.y[0] };
  const rewritten = { label: 'fp32 rewritten', x: CLS_LIKE.x[1], y: CLS_LIKE.y[1] };

  it('draws and names the chosen model when it is not a candidate (the FP32 rewrite)', () => {
    const svg = accuracyLatencyChart(pts, base, 'accuracy', { chosen: 'fp32 rewritten', others: [rewritten], tolerance: 1, yCap: 100 });
    expect(svg).toContain('id="chosen"');
    expect(svg).toMatch(/<circle id="chosen" class="chosen-ring"[^>]*data-label="fp32 rewritten"/);
    expect(svg).toContain('>chosen: fp32 rewritten<');
    expect(svg.match(/<circle class="candidate/g)).toHaveLength(2);
  });

  it('draws the tolerance line at the baseline minus the tolerance, inside the y domain', () => {
    const svg = accuracyLatencyChart(pts, base, 'accuracy', { chosen: 'int8 0', tolerance: 1, yCap: 100 });
    expect(svg).toMatch(new RegExp(`id="tolerance"[^>]*data-y="${CLS_LIKE.y[0] - 1}"`));
    const yLabels = labelsOf(svg, 'y-tick').map(Number);
    expect(Math.min(...yLabels)).toBeLessThanOrEqual(CLS_LIKE.y[0] - 1);
    expect(Math.max(...yLabels)).toBeLessThanOrEqual(100);
  });

  it('labels every point with drawn text (no hover needed)', () => {
    const svg = accuracyLatencyChart(pts, base, 'accuracy', { chosen: 'int8 1', others: [rewritten] });
    const labels = [...svg.matchAll(/class="point-label"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(labels).toEqual(['1', '2', 'fp32 rewritten', 'FP32']);
  });

  it('does not pass a point without a chosen label when nothing is chosen', () => {
    const svg = accuracyLatencyChart(pts, base, 'accuracy');
    expect(svg).not.toContain('id="chosen"');
  });
});

/** Injected into a copy of the page (the report itself has no scripts): measures the drawn labels. */
const MEASURE = `<script>addEventListener('load', () => {
  const svg = document.getElementById('chart'); const box = svg.getBoundingClientRect();
  const out = [...svg.querySelectorAll('text')].map((t) => { const b = t.getBoundingClientRect(); return { cls: t.getAttribute('class'), text: t.textContent, inside: b.left >= box.left - 0.5 && b.right <= box.right + 0.5 && b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5 }; });
  const pre = document.createElement('pre'); pre.id = 'measure'; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});</script>`;

describe('report chart in headless Chromium', () => {
  it.skipIf(!bin)('shows the chosen FP32 rewrite, distinct tick labels, and no label outside the chart', () => {
    const report = {
      ...sampleReport(),
      rewritten: { label: 'fp32 rewritten', model: { uri: 'store://r', sha256: 'r', bytes: 1, kind: 'model' }, accuracy: 99.6, agreement: 99.6, cosine: 100, latencyMs: 41.5, sizeBytes: 1 },
    } as ReturnType<typeof sampleReport>;
    report.best = { ...report.rewritten!, modelPath: '/out/model.onnx' };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-chart-'));
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, renderReportHtml(report).replace('</body>', `${MEASURE}</body>`));
    const page = loadPage(bin!, file);
    expect(page.console).toEqual([]);
    expect(page.dom).toMatch(/<circle id="chosen" class="chosen-ring"[^>]*data-label="fp32 rewritten"/);
    const measured = JSON.parse(page.dom.match(/<pre id="measure">([^<]*)<\/pre>/)![1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as { cls: string; text: string; inside: boolean }[];
    for (const cls of ['tick x-tick', 'tick y-tick']) {
      const labels = measured.filter((m) => m.cls === cls).map((m) => m.text);
      expect(labels.length).toBeGreaterThanOrEqual(3);
      expect(new Set(labels).size).toBe(labels.length);
    }
    expect(measured.filter((m) => !m.inside)).toEqual([]);
    expect(measured.some((m) => m.cls === 'chosen-label' && m.text === 'chosen: fp32 rewritten')).toBe(true);
  });
});
