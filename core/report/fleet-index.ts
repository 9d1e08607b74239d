// The fleet's index page: one row per model with its outcome and a link to its report.
import { esc } from './escape';
import { PAGE_CSS } from './style';

/** One model's row on the index page; `report` is a link relative to the index. */
export interface IndexRow {
  name: string;
  status: string;
  reason?: string;
  version?: string;
  report?: string;
  speedup?: number;
  accuracyDrop?: number | null;
  /** The version `latest` points at (the accepted one consumers get), when any. */
  latest?: string;
  /** Link to that version's report: a model that failed this run still links its current report. */
  latestReport?: string;
}

const link = (href: string | undefined, text: string) => (href ? `<a href="${esc(href)}">${esc(text)}</a>` : esc(text));

/** The index page of a fleet run. */
export function renderFleetIndex(fleet: string, rows: IndexRow[], when: string): string {
  const cls = (s: string) => (s === 'compressed' || s === 'skipped' ? 'ok' : 'bad');
  const body = rows
    .map((r) => `<tr><td>${link(r.report ?? r.latestReport, r.name)}</td><td class="${cls(r.status)}">${esc(r.status)}</td>` +
      `<td>${r.version ? esc(r.version) : ''}</td><td>${r.speedup == null ? '' : `${r.speedup.toFixed(2)}x`}</td>` +
      `<td>${r.accuracyDrop == null ? '' : r.accuracyDrop.toFixed(2)}</td><td>${r.latest ? link(r.latestReport, r.latest) : 'none'}</td><td style="text-align:left">${r.reason ? esc(r.reason) : ''}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`slimflow fleet: ${fleet}`)}</title><style>${PAGE_CSS}</style></head>
<body>
<h1>slimflow fleet: ${esc(fleet)}</h1>
<p class="sub">last run ${esc(when)}</p>
<table id="models"><thead><tr><th>model</th><th>this run</th><th>version</th><th>speedup</th><th>accuracy drop</th><th>latest</th><th style="text-align:left">note</th></tr></thead><tbody>
${body}
</tbody></table>
</body></html>
`;
}
