import { compareMethods, parseMethodSpec } from '../engine/evaluation/compare';
import { groupProblems } from '../engine/evaluation/problems';
import { cellText, metricTitle } from '../engine/evaluation/report/format';
import { UsageError } from '../util/errors';
import { flag, printJson, str, strs, type CliCommand } from './command';
import { parseHdMode, parseLabels, parseWorkers, textTable } from './evalFormat';

const command: CliCommand = {
  name: 'compare',
  summary: 'Compare several methods (e.g. nnSeg vs TotalSegmentator) in a Table-1 style report',
  usage:
    'nnseg compare --ref DIR --pred NAME=DIR[:labelmap|totalsegmentator|totalsegmentator-ml] [--pred ...] [--dataset-json FILE] [--mapping FILE] [--labels 1,2] [--hd-mode max|pooled] [--out DIR] [--title TEXT] [--workers N] [--json]',
  options: {
    ref: { type: 'string' },
    pred: { type: 'string', multiple: true },
    'dataset-json': { type: 'string' },
    mapping: { type: 'string' },
    labels: { type: 'string' },
    'hd-mode': { type: 'string' },
    out: { type: 'string' },
    title: { type: 'string' },
    workers: { type: 'string' },
  },
  async run(args, io) {
    const ref = str(args, 'ref');
    const preds = strs(args, 'pred');
    if (!ref || preds.length === 0) throw new UsageError(`nnseg compare needs --ref and at least one --pred. Usage: ${command.usage}`);
    let methods;
    try {
      methods = preds.map(parseMethodSpec);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const res = await compareMethods({
      ref,
      methods,
      datasetJson: str(args, 'dataset-json'),
      mapping: str(args, 'mapping'),
      labels: parseLabels(str(args, 'labels')),
      hdMode: parseHdMode(str(args, 'hd-mode')),
      out: str(args, 'out') ?? 'nnseg-comparison',
      title: str(args, 'title'),
      workers: parseWorkers(str(args, 'workers')),
    });
    const r = res.report;
    if (flag(args, 'json')) {
      printJson(io, { reportHtml: res.reportHtml, reportMd: res.reportMd, reportJson: res.reportJson, summaries: res.summaries, pairedCases: r.pairedCases.length, overall: r.overall, overallTests: r.overallTests, problems: res.problems });
    } else {
      const names = r.methods.map((m) => m.name);
      io.out(`${r.title}: ${r.pairedCases.length} paired cases, ${Object.keys(r.labels).length} labels\n`);
      io.out(textTable(['metric', ...names], r.metrics.map((k) => [metricTitle[k], ...names.map((m) => cellText(r.overall[k][m], k))])));
      io.out(`report: ${res.reportHtml}\n        ${res.reportMd}\n        ${res.reportJson}\n`);
      for (const g of groupProblems(res.problems)) {
        io.err(`nnseg: ${g.count} problem${g.count > 1 ? 's' : ''} (${g.kind}):\n`);
        for (const m of g.messages) io.err(`  ${m}\n`);
        if (g.count > g.messages.length) io.err(`  ... and ${g.count - g.messages.length} more (see report.json)\n`);
      }
    }
    return res.problems.length ? 1 : 0;
  },
};
export default command;
