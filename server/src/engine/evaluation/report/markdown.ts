import type { ComparisonReport, PairTest } from '../comparison';
import { groupProblems } from '../problems';
import { arrow, bestOf, cellText, metricTitle, pText } from './format';

const esc = (s: string) => s.replace(/\|/g, '\\|');

function testFor(tests: PairTest[], metric: string, a: string, b: string): PairTest | undefined {
  return tests.find((t) => t.metric === metric && t.a === a && t.b === b);
}

/** The report as Markdown: Table 1 (overall), then one table per label, then the problems. */
export function reportMarkdown(r: ComparisonReport): string {
  const names = r.methods.map((m) => m.name);
  const pairs: [string, string][] = [];
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) pairs.push([names[i], names[j]]);
  const table = (rows: Record<string, Record<string, { mean: number | null; std: number | null; n: number }>>, tests: PairTest[]) => {
    const head = ['Metric', ...names.map(esc), ...pairs.map(([a, b]) => `p (${esc(a)} vs ${esc(b)})`)];
    const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? ':---' : '---:')).join('|')}|`];
    for (const k of r.metrics) {
      const best = bestOf(rows[k], k);
      const cells = names.map((m) => {
        const t = cellText(rows[k][m], k);
        return best.has(m) ? `**${t}**` : t;
      });
      lines.push(`| ${metricTitle[k]} ${arrow(k)} | ${cells.join(' | ')} | ${pairs.map(([a, b]) => pText(testFor(tests, k, a, b))).join(' | ')} |`.replace(/ \| \|$/, ' |'));
    }
    return lines.join('\n');
  };
  const out: string[] = [];
  out.push(`# ${r.title}`, '');
  out.push(`Reference: \`${r.reference}\` · methods: ${r.methods.map((m) => `${m.name} (${m.format}, ${m.nCases} cases)`).join(', ')} · paired cases: ${r.pairedCases.length} · labels: ${Object.keys(r.labels).length} · Hausdorff mode: ${r.hdMode} · created ${r.created}`, '');
  out.push('## Table 1: all labels', '');
  out.push('Mean ± standard deviation over cases of each case\'s mean over its labels (labels with undefined values, e.g. empty masks, left out). Distances in mm. p: two-sided paired Wilcoxon signed-rank test over the paired cases. Best mean in bold.', '');
  out.push(table(Object.fromEntries(r.metrics.map((k) => [k, r.overall[k]])), r.overallTests), '');
  out.push('## Per label', '');
  const empty = new Set(r.emptyLabels);
  if (empty.size) out.push(`Empty in every reference and prediction (no table): ${r.emptyLabels.map((l) => `${l} ${esc(r.labels[l])}`).join(', ')}.`, '');
  for (const [l, name] of Object.entries(r.labels)) {
    if (empty.has(l)) continue;
    out.push(`### ${l} ${esc(name)}`, '');
    out.push(table(r.perLabel[l], r.perLabelTests[l]), '');
  }
  out.push('## Problems', '');
  if (!r.problems.length) out.push('None.', '');
  for (const g of groupProblems(r.problems, 20)) {
    out.push(`- **${g.kind}** (${g.count}):`);
    for (const m of g.messages) out.push(`  - ${esc(m)}`);
    if (g.count > g.messages.length) out.push(`  - ... and ${g.count - g.messages.length} more (report.json lists all)`);
  }
  out.push('');
  return out.join('\n');
}
