// An inline SVG scatter chart (no scripts, no network): every candidate as a numbered circle, the
// baseline as a square, other measured models (the lossless FP32 rewrite, a trained student) as
// diamonds, the chosen model ringed and named, the Pareto front as a path and the accuracy
// tolerance as a line. Labels are drawn text, so the static page tells the points apart without
// hover. Element ids and classes are stable so tests can count them.
import { ChartPoint, paretoFront } from './pareto';
import { esc } from './escape';
import { niceAxis } from './chart-axes';

const W = 680;
const H = 380;
// Room on the right for the last x label and the tolerance label; on the left for y labels.
const PAD = { l: 60, r: 40, t: 20, b: 46 };

export interface ChartOptions {
  /** Label of the chosen model; it is drawn (and named) wherever it is among the points. */
  chosen?: string;
  /** Models measured beside the candidates that are not candidates (FP32 rewrite, trained student). */
  others?: ChartPoint[];
  /** Largest accepted drop in y below the baseline: drawn as a horizontal line. */
  tolerance?: number;
  /** A bound y cannot pass (100 for a score in points). */
  yCap?: number;
}

/** The chart of candidates (x latency ms, y score) with the baseline, the Pareto front and the tolerance line. */
export function accuracyLatencyChart(candidates: ChartPoint[], baseline: ChartPoint | null, yLabel: string, opts: ChartOptions = {}): string {
  const others = opts.others ?? [];
  const all = [...candidates, ...others, ...(baseline ? [baseline] : [])];
  if (all.length === 0) return '<p>No candidates were measured.</p>';
  const toleranceY = baseline && opts.tolerance !== undefined ? baseline.y - opts.tolerance : undefined;
  const xAxis = niceAxis(all.map((p) => p.x), 6);
  const yAxis = niceAxis([...all.map((p) => p.y), ...(toleranceY !== undefined ? [toleranceY] : [])], 5, opts.yCap);
  const [x0, x1] = xAxis.domain;
  const [y0, y1] = yAxis.domain;
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - ((y - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg id="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(yLabel)} versus latency of every candidate">`);
  parts.push(`<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" class="plot"/>`);
  for (const t of xAxis.ticks) parts.push(`<line class="grid" x1="${f(sx(t.value))}" x2="${f(sx(t.value))}" y1="${PAD.t}" y2="${H - PAD.b}"/><text class="tick x-tick" x="${f(sx(t.value))}" y="${H - PAD.b + 16}" text-anchor="middle">${t.label}</text>`);
  for (const t of yAxis.ticks) parts.push(`<line class="grid" x1="${PAD.l}" x2="${W - PAD.r}" y1="${f(sy(t.value))}" y2="${f(sy(t.value))}"/><text class="tick y-tick" x="${PAD.l - 6}" y="${f(sy(t.value) + 4)}" text-anchor="end">${t.label}</text>`);
  parts.push(`<text class="axis" x="${(PAD.l + W - PAD.r) / 2}" y="${H - 6}" text-anchor="middle">latency (ms, lower is better)</text>`);
  parts.push(`<text class="axis" transform="translate(14 ${(PAD.t + H - PAD.b) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)} (higher is better)</text>`);
  if (toleranceY !== undefined) {
    const y = f(sy(toleranceY));
    parts.push(`<line id="tolerance" class="tolerance" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" data-y="${toleranceY}"/><text class="tolerance-label" x="${W - PAD.r - 4}" y="${f(sy(toleranceY) - 4)}" text-anchor="end">tolerance: ${opts.tolerance} below FP32</text>`);
  }
  // The front is drawn over every model measured, the baseline included: it shows the trade-off on offer.
  const front = paretoFront(all);
  if (front.length > 0) {
    const d = front.map((i, k) => `${k === 0 ? 'M' : 'L'}${f(sx(all[i].x))} ${f(sy(all[i].y))}`).join(' ');
    parts.push(`<path id="pareto" class="pareto" d="${d}" data-points="${front.length}"/>`);
  }
  const onFront = new Set(front);
  const title = (p: ChartPoint) => `<title>${esc(p.label)}: ${p.x.toFixed(2)} ms, ${p.y.toFixed(2)}</title>`;
  // A point's label sits to its right unless that would leave the plot.
  const label = (p: ChartPoint, text: string, cls: string, below = false) => {
    const right = sx(p.x) + 8 + text.length * 6 < W - PAD.r;
    return `<text class="${cls}" x="${f(sx(p.x) + (right ? 8 : -8))}" y="${f(sy(p.y) + (below ? 20 : -7))}" text-anchor="${right ? 'start' : 'end'}">${esc(text)}</text>`;
  };
  candidates.forEach((p, i) => {
    const cls = ['candidate', onFront.has(i) ? 'front' : '', p.label === opts.chosen ? 'chosen' : ''].filter(Boolean).join(' ');
    parts.push(`<circle class="${cls}" cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="5" data-label="${esc(p.label)}">${title(p)}</circle>`);
    parts.push(label(p, String(i + 1), 'point-label'));
  });
  for (const p of others) {
    const [cx, cy] = [sx(p.x), sy(p.y)];
    const cls = ['other', p.label === opts.chosen ? 'chosen' : ''].filter(Boolean).join(' ');
    parts.push(`<path class="${cls}" d="M${f(cx)} ${f(cy - 7)} L${f(cx + 7)} ${f(cy)} L${f(cx)} ${f(cy + 7)} L${f(cx - 7)} ${f(cy)} Z" data-label="${esc(p.label)}">${title(p)}</path>`);
    if (p.label !== opts.chosen) parts.push(label(p, p.label, 'point-label'));
  }
  if (baseline) {
    const bx = sx(baseline.x);
    const by = sy(baseline.y);
    parts.push(`<rect class="baseline" x="${f(bx - 6)}" y="${f(by - 6)}" width="12" height="12" data-label="FP32">${title({ ...baseline, label: 'FP32 baseline' })}</rect>`);
    parts.push(label(baseline, 'FP32', 'point-label'));
  }
  const chosen = [...candidates, ...others].find((p) => p.label === opts.chosen);
  if (chosen) {
    parts.push(`<circle id="chosen" class="chosen-ring" cx="${f(sx(chosen.x))}" cy="${f(sy(chosen.y))}" r="10" data-label="${esc(chosen.label)}"/>`);
    parts.push(label(chosen, `chosen: ${chosen.label}`, 'chosen-label', true));
  }
  parts.push('</svg>');
  return parts.join('\n');
}
