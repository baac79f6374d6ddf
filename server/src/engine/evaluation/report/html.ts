import type { Cell, ComparisonReport, PairTest } from '../comparison';
import { groupProblems } from '../problems';
import { arrow, bestOf, cellText, metricTitle, pText } from './format';
import { boxPlotSvg, xml } from './svg';

/**
 * The styles, all in one <style> element in <head>; no style attributes, no scripts, no external
 * resources, so the page works under a strict webview CSP (add the webview's nonce to this element with
 * withStyleNonce, or allow style-src 'unsafe-inline'). Colours follow VS Code's theme variables when shown
 * in a webview and fall back to a light page in a browser.
 */
const css = `
body{font-family:var(--vscode-font-family,system-ui,sans-serif);font-size:var(--vscode-font-size,14px);color:var(--vscode-foreground,#1e1e1e);background:var(--vscode-editor-background,#fff);margin:1.5em;line-height:1.4}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.2em;margin:1.6em 0 .5em}h3{font-size:1.05em;margin:1.2em 0 .4em}
.meta{opacity:.8;font-size:.92em}
table{border-collapse:collapse;margin:.4em 0 1em}
.wide{overflow-x:auto}
th,td{padding:.3em .7em;border-bottom:1px solid var(--vscode-panel-border,#ddd);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{border-bottom:2px solid var(--vscode-foreground,#444)}
td.best{font-weight:bold}
.plots{display:flex;flex-wrap:wrap;gap:1em}
.plots svg{border:1px solid var(--vscode-panel-border,#ddd);border-radius:4px}
details{margin:.3em 0}summary{cursor:pointer}
.problems li{margin:.2em 0}
.note{font-size:.9em;opacity:.85;max-width:60em}
`;

export function withStyleNonce(html: string, nonce: string): string {
  return html.replace('<style>', `<style nonce="${xml(nonce)}">`);
}

function table(r: ComparisonReport, rows: Record<string, Record<string, Cell>>, tests: PairTest[]): string {
  const names = r.methods.map((m) => m.name);
  const pairs: [string, string][] = [];
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) pairs.push([names[i], names[j]]);
  const head = `<tr><th>Metric</th>${names.map((n) => `<th>${xml(n)}</th>`).join('')}${pairs.map(([a, b]) => `<th>p (${xml(a)} vs ${xml(b)})</th>`).join('')}</tr>`;
  const body = r.metrics
    .map((k) => {
      const best = bestOf(rows[k], k);
      const cells = names.map((m) => `<td${best.has(m) ? ' class="best"' : ''}>${xml(cellText(rows[k][m], k))}</td>`).join('');
      const ps = pairs.map(([a, b]) => `<td>${xml(pText(tests.find((t) => t.metric === k && t.a === a && t.b === b)))}</td>`).join('');
      return `<tr><td>${xml(metricTitle[k])} ${arrow(k)}</td>${cells}${ps}</tr>`;
    })
    .join('\n');
  return `<div class="wide"><table><thead>${head}</thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** The report as one self-contained HTML page: Table 1, box plots (inline SVG), per-label tables, problems. */
export function reportHtml(r: ComparisonReport): string {
  const out: string[] = [];
  out.push('<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">', `<title>${xml(r.title)}</title>`, `<style>${css}</style>`, '</head><body>');
  out.push(`<h1>${xml(r.title)}</h1>`);
  out.push(
    `<p class="meta">Reference: <code>${xml(r.reference)}</code><br>Methods: ${r.methods.map((m) => `${xml(m.name)} (${xml(m.format)}, ${m.nCases} cases)`).join(', ')}<br>Paired cases: ${r.pairedCases.length} · labels: ${Object.keys(r.labels).length} · Hausdorff mode: ${xml(r.hdMode)} · created ${xml(r.created)}</p>`,
  );
  out.push('<h2>Table 1: all labels</h2>');
  out.push(`<p class="note">Mean ± standard deviation over cases of each case's mean over its labels (undefined values, e.g. distances with an empty mask, left out). Distances in mm. p: two-sided paired Wilcoxon signed-rank test over the paired cases (exact for up to 50 pairs without ties or zeros, else normal approximation). Best mean in bold.</p>`);
  out.push(table(r, Object.fromEntries(r.metrics.map((k) => [k, r.overall[k]])), r.overallTests));
  out.push('<h2>Distributions over cases</h2>', '<div class="plots">');
  for (const k of r.metrics) out.push(boxPlotSvg(metricTitle[k], r.methods.map((m) => ({ name: m.name, box: r.overall[k][m.name].box }))));
  out.push('</div>');
  out.push('<h2>Per label</h2>');
  const empty = new Set(r.emptyLabels);
  if (empty.size) out.push(`<p class="note">Empty in every reference and prediction (no table): ${xml(r.emptyLabels.map((l) => `${l} ${r.labels[l]}`).join(', '))}.</p>`);
  for (const [l, name] of Object.entries(r.labels)) {
    if (empty.has(l)) continue;
    out.push(`<h3>${xml(l)} ${xml(name)}</h3>`);
    out.push(table(r, r.perLabel[l], r.perLabelTests[l]));
  }
  out.push('<h2>Problems</h2>');
  if (!r.problems.length) out.push('<p>None.</p>');
  else {
    out.push('<ul class="problems">');
    for (const g of groupProblems(r.problems, 1000)) {
      out.push(`<li><details${g.count <= 5 ? ' open' : ''}><summary><strong>${xml(g.kind)}</strong> (${g.count})</summary><ul>${g.messages.map((m) => `<li>${xml(m)}</li>`).join('')}</ul></details></li>`);
    }
    out.push('</ul>');
  }
  out.push('</body></html>', '');
  return out.join('\n');
}
