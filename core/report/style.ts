// The one inline stylesheet of slimflow's HTML pages (no external CSS: pages open offline).
export const PAGE_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:980px;color:#1d2430;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
.sub{color:#5b6575;margin:0 0 16px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{padding:4px 8px;border-bottom:1px solid #e6e9ef;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f4f6f9;font-weight:600}
tr.chosen td{background:#fff6dc;font-weight:600}
.ok{color:#18794e;font-weight:600}.bad{color:#b42318;font-weight:600}.muted{color:#5b6575}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #dde2ea;border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:20px}
td.cfg{text-align:left;font-family:ui-monospace,monospace;font-size:11px;word-break:break-all;max-width:360px}
pre{background:#f4f6f9;padding:10px;border-radius:6px;overflow:auto;font-size:12px}
svg .plot{fill:#fbfcfe;stroke:#c9d0db}svg .grid{stroke:#eceff4}svg .tick{font-size:11px;fill:#5b6575}svg .axis{font-size:12px;fill:#1d2430}
svg .candidate{fill:#8aa4c8;stroke:#fff}svg .candidate.front{fill:#1f5fbf}svg .candidate.chosen{fill:#e8a200;stroke:#1d2430}
svg .pareto{fill:none;stroke:#1f5fbf;stroke-width:2;stroke-dasharray:5 3}svg .baseline{fill:#b42318}svg .other{fill:#7a5cc2;stroke:#fff}svg .other.chosen{fill:#e8a200;stroke:#1d2430}
svg .chosen-ring{fill:none;stroke:#e8a200;stroke-width:2.5}svg .chosen-label{font-size:12px;font-weight:600;fill:#1d2430}svg .point-label{font-size:10px;fill:#3b4556}
svg .tolerance{stroke:#b42318;stroke-width:1.2;stroke-dasharray:2 3}svg .tolerance-label{font-size:10px;fill:#b42318}
.legend span{margin-right:14px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
`;
