// report.html: a self-contained page a person opens to understand one job — inline CSS and SVG,
// no scripts, no network. Pure (report in, HTML text out).
import { nearTieLine, type JobReport } from './report';
import { esc } from './escape';
import { PAGE_CSS } from './style';
import { accuracyLatencyChart } from './svg-chart';
import type { ChartPoint } from './pareto';
import { toYaml } from './yaml';

/** Per-layer sensitivity as core/quant/sensitivity.ts measures it (only the fields the page shows). */
export interface SensitivityRow {
  layer: string;
  mse: number;
  sqnr: number;
}

/** What the page shows beyond the report: how to reproduce it, and sensitivity when measured. */
export interface ReportExtras {
  /** The job config exactly as the job ran it. */
  config?: unknown;
  /** The pipeline the job ran (autoCompress generates it; runPipeline is given it). */
  pipeline?: unknown;
  sensitivity?: SensitivityRow[];
}

const num = (v: number | null | undefined, d = 2) => (v == null || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));
const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

/** The task metric a candidate was judged by (validateCandidate fills it), when it was recorded. */
const taskScore = (c: JobReport['baseline']): { score?: number; metric?: string } => c as { score?: number; metric?: string };

// The figure the job decided by: the task metric when every model has one, else accuracy when the
// eval set has labels, else agreement with the FP32 teacher (reports written before task metrics).
function scoreOf(r: JobReport): { label: string; of: (c: JobReport['baseline']) => number } {
  const scored = [r.baseline, ...r.candidates].every((c) => typeof taskScore(c).score === 'number');
  if (scored) return { label: taskScore(r.baseline).metric ?? 'task metric', of: (c) => taskScore(c).score ?? NaN };
  const labeled = r.baseline.accuracy != null && r.candidates.every((c) => c.accuracy != null);
  return labeled ? { label: 'accuracy', of: (c) => c.accuracy! } : { label: 'teacher agreement', of: (c) => c.agreement };
}

function summaryCards(r: JobReport): string {
  const met = r.target.met;
  const drop = r.accuracyDrop == null ? `${num(100 - r.best.agreement)} (agreement loss)` : num(r.accuracyDrop);
  return `<div class="cards">
<div class="card">speedup<b id="speedup">${num(r.speedup)}x</b></div>
<div class="card">accuracy drop (points)<b>${drop}</b></div>
<div class="card">size<b>${kib(r.baseline.sizeBytes)} → ${kib(r.best.sizeBytes)}</b></div>
<div class="card">target<b class="${met ? 'ok' : 'bad'}">${met ? 'met' : 'not met'}</b><span class="muted">drop ≤ ${r.target.maxAccuracyDrop}, speedup ≥ ${r.target.targetSpeedup}</span></div>
</div>`;
}

function comparison(r: JobReport): string {
  const row = (name: string, c: JobReport['baseline'], speed: string) =>
    `<tr><td>${esc(name)}</td><td>${num(c.accuracy)}</td><td>${num(c.agreement)}</td><td>${num(c.cosine, 4)}</td><td>${num(c.latencyMs)}</td><td>${kib(c.sizeBytes)}</td><td>${speed}</td></tr>`;
  return `<table id="comparison"><thead><tr><th>model</th><th>accuracy</th><th>agreement</th><th>cosine</th><th>latency (ms)</th><th>size</th><th>speedup</th></tr></thead><tbody>
${row('FP32 baseline', r.final?.chose === 'trained' ? { ...r.baseline, latencyMs: r.final.baselineMs } : r.baseline, '1.00x')}
${row(`chosen: ${r.best.label}`, r.best, `${num(r.speedup)}x`)}
${r.final && r.final.chose === 'trained' ? row(`PTQ pick: ${r.final.ptqPick.label}`, r.final.ptqPick, `${num(r.final.baselineMs / r.final.ptqPick.latencyMs)}x`) : ''}
${r.trained && r.final?.chose !== 'trained' ? row(`trained: ${r.trained.label}`, r.trained, `${num(r.trained.speedup)}x`) : ''}
</tbody></table>
${r.best.selection ? `<p id="near-tie">${esc(nearTieLine(r.best.selection))}</p>` : ''}
<p class="muted">Latencies of this table were measured side by side${r.trained?.timedWith === 'validation' ? ' (the trained student\'s in its validation)' : r.final?.chose === 'trained' ? ' (FP32, the PTQ pick and the trained student in one timing, after training)' : r.final ? ' (the trained student\'s in a second timing, beside FP32 and the PTQ pick)' : ''}; the compressed model is at <code>${esc(r.best.modelPath)}</code>${r.trained ? `, the trained student (${r.trained.withinTolerance ? 'within' : 'not within'} the accuracy tolerance) at <code>${esc(r.trained.modelPath)}</code>` : ''}.</p>`;
}

function history(r: JobReport): string {
  const rows = r.candidates.map((c, i) => {
    const cfg = c.config === undefined ? '' : esc(JSON.stringify(c.config));
    return `<tr class="${c.label === r.best.label ? 'chosen' : ''}"><td>${i + 1}. ${esc(c.label)}</td><td>${num(c.accuracy)}</td><td>${num(c.agreement)}</td><td>${num(c.cosine, 4)}</td><td>${num(c.latencyMs)}</td><td>${kib(c.sizeBytes)}</td><td class="muted cfg">${cfg}</td></tr>`;
  });
  return `<table id="candidates"><thead><tr><th>candidate (in order tried)</th><th>accuracy</th><th>agreement</th><th>cosine</th><th>latency (ms)</th><th>size</th><th style="text-align:left">config</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

function sensitivity(rows: SensitivityRow[] | undefined): string {
  if (!rows || rows.length === 0) return '<p class="muted">Per-layer sensitivity was not measured for this job.</p>';
  const body = rows.map((s) => `<tr><td>${esc(s.layer)}</td><td>${num(s.sqnr)}</td><td>${s.mse.toExponential(3)}</td></tr>`).join('\n');
  return `<table id="sensitivity"><thead><tr><th>layer (most sensitive first)</th><th>SQNR (dB)</th><th>MSE</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function skipped(r: JobReport): string {
  const list = r.skipped.length === 0 ? '<p class="muted">No strategy was skipped.</p>'
    : `<ul id="skipped">${r.skipped.map((s) => `<li><b>${esc(s.strategy)}</b>: ${esc(s.reason)}</li>`).join('')}</ul>`;
  if (!r.strategies?.length) return list;
  // The automatic mode's weighing of every candidate strategy, in the order it would run them.
  const rows = r.strategies.map((s) => `<tr><td>${esc(s.strategy)}</td><td>${num(s.predictedMs)}</td><td>${s.speedup == null ? 'n/a' : `${num(s.speedup)}x`}</td><td>${s.decision}</td><td class="muted">${esc(s.reason)}</td></tr>`);
  return `${list}\n<table id="strategies"><thead><tr><th>strategy</th><th>predicted (ms)</th><th>speedup</th><th>decision</th><th style="text-align:left">why</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** The whole report page. */
export function renderReportHtml(r: JobReport, extras: ReportExtras = {}): string {
  const score = scoreOf(r);
  const points: ChartPoint[] = r.candidates.map((c) => ({ label: c.label, x: c.latencyMs, y: score.of(c) }));
  const base: ChartPoint = { label: 'FP32', x: r.baseline.latencyMs, y: score.of(r.baseline) };
  // Models measured beside the candidates: the chosen one may be among them (the FP32 rewrite, a trained student).
  const others: ChartPoint[] = [r.rewritten, r.trained]
    .filter((c): c is NonNullable<typeof c> => !!c && !r.candidates.some((k) => k.label === c.label))
    .map((c) => ({ label: c.label, x: c.latencyMs, y: score.of(c) }))
    .filter((p) => Number.isFinite(p.y));
  const sens = extras.sensitivity ?? r.sensitivity;
  const reproduce = [
    extras.config !== undefined ? `<h3>config</h3><pre id="config">${esc(toYaml(extras.config))}</pre>` : '',
    extras.pipeline !== undefined ? `<h3>pipeline</h3><pre id="pipeline">${esc(toYaml(extras.pipeline))}</pre>` : '',
  ].join('\n');
  const title = `slimflow report: ${r.model.split(/[\\/]/).pop()}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${PAGE_CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="sub">${esc(r.model)} · task ${esc(r.task)} · batch shape [${r.inputShape.join(', ')}] · ${r.threads} thread(s)</p>
${summaryCards(r)}
<h2>Baseline vs chosen candidate</h2>
${comparison(r)}
<h2>Accuracy vs latency</h2>
<p class="legend muted"><span><i class="sw" style="background:#8aa4c8"></i>candidate</span><span><i class="sw" style="background:#1f5fbf"></i>on the Pareto front (dashed)</span><span><i class="sw" style="background:#e8a200"></i>chosen (ringed, named)</span><span><i class="sw" style="background:#b42318"></i>FP32 baseline</span><span><i class="sw" style="background:#7a5cc2"></i>FP32 rewrite, trained student</span><span><i class="sw" style="background:#b42318;height:2px"></i>accuracy tolerance</span> Numbers are the rows of the search history.</p>
${accuracyLatencyChart(points, base, score.label, { chosen: r.best.label, others, tolerance: r.target.maxAccuracyDrop, yCap: 100 })}
<h2>Search history</h2>
${history(r)}
<h2>Per-layer sensitivity</h2>
${sensitivity(sens)}
<h2>Skipped strategies</h2>
${skipped(r)}
<h2>Reproduce</h2>
${reproduce || '<p class="muted">The config was not recorded with this report.</p>'}
</body></html>
`;
}
