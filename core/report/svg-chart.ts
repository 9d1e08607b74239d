// An inline SVG scatter chart (no scripts, no network): every candidate as a circle, the baseline
// as a square, the Pareto front as a path. Element ids and classes are stable so tests can count them.
import { ChartPoint, paretoFront } from './pareto';
import { esc } from './escape';

const W = 640;
const H = 360;
const PAD = { l: 56, r: 16, t: 16, b: 44 };

function ticks(lo: number, hi: number, n = 5): number[] {
  if (hi === lo) return [lo];
  const step = (hi - lo) / (n - 1);
  return Array.from({ length: n }, (_, i) => lo + i * step);
}

/** The chart of candidates (x latency ms, y accuracy) with the baseline and the Pareto front. */
export function accuracyLatencyChart(candidates: ChartPoint[], baseline: ChartPoint | null, yLabel: string, chosen?: string): string {
  const all = baseline ? [...candidates, baseline] : candidates;
  if (all.length === 0) return '<p>No candidates were measured.</p>';
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const pad = (lo: number, hi: number) => (hi - lo < 1e-9 ? [lo - 1, hi + 1] : [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)]);
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - ((y - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg id="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="accuracy versus latency of every candidate">`);
  parts.push(`<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" class="plot"/>`);
  for (const t of ticks(x0, x1)) parts.push(`<line class="grid" x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${PAD.t}" y2="${H - PAD.b}"/><text class="tick" x="${f(sx(t))}" y="${H - PAD.b + 16}" text-anchor="middle">${t.toFixed(2)}</text>`);
  for (const t of ticks(y0, y1)) parts.push(`<line class="grid" x1="${PAD.l}" x2="${W - PAD.r}" y1="${f(sy(t))}" y2="${f(sy(t))}"/><text class="tick" x="${PAD.l - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${t.toFixed(1)}</text>`);
  parts.push(`<text class="axis" x="${(PAD.l + W - PAD.r) / 2}" y="${H - 6}" text-anchor="middle">latency (ms, lower is better)</text>`);
  parts.push(`<text class="axis" transform="translate(14 ${(PAD.t + H - PAD.b) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)} (higher is better)</text>`);
  // The front is drawn over every model measured, the baseline included: it shows the trade-off on offer.
  const front = paretoFront(all);
  if (front.length > 0) {
    const d = front.map((i, k) => `${k === 0 ? 'M' : 'L'}${f(sx(all[i].x))} ${f(sy(all[i].y))}`).join(' ');
    parts.push(`<path id="pareto" class="pareto" d="${d}" data-points="${front.length}"/>`);
  }
  const onFront = new Set(front.filter((i) => i < candidates.length));
  candidates.forEach((p, i) => {
    const cls = ['candidate', onFront.has(i) ? 'front' : '', p.label === chosen ? 'chosen' : ''].filter(Boolean).join(' ');
    parts.push(`<circle class="${cls}" cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="${p.label === chosen ? 7 : 5}"><title>${esc(p.label)}: ${p.x.toFixed(2)} ms, ${p.y.toFixed(2)}</title></circle>`);
  });
  if (baseline) {
    const bx = sx(baseline.x);
    const by = sy(baseline.y);
    parts.push(`<rect class="baseline" x="${f(bx - 6)}" y="${f(by - 6)}" width="12" height="12"><title>FP32 baseline: ${baseline.x.toFixed(2)} ms, ${baseline.y.toFixed(2)}</title></rect>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
