import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluateFolders } from '../engine/evaluation/evaluate';
import { groupProblems } from '../engine/evaluation/problems';
import { UsageError } from '../util/errors';
import { flag, printJson, str, type CliCommand } from './command';
import { fmt, parseHdMode, parseLabels, parseWorkers, textTable } from './evalFormat';

const command: CliCommand = {
  name: 'evaluate',
  summary: 'Evaluate a folder of predictions against a folder of references (summary.json)',
  usage: 'nnseg evaluate --ref DIR --pred DIR [--dataset-json FILE] [--labels 1,2] [--hd-mode max|pooled] [--no-distances] [--out summary.json] [--workers N] [--json]',
  options: {
    ref: { type: 'string' },
    pred: { type: 'string' },
    'dataset-json': { type: 'string' },
    labels: { type: 'string' },
    'hd-mode': { type: 'string' },
    'no-distances': { type: 'boolean', default: false },
    out: { type: 'string' },
    workers: { type: 'string' },
  },
  async run(args, io) {
    const ref = str(args, 'ref');
    const pred = str(args, 'pred');
    if (!ref || !pred) throw new UsageError(`nnseg evaluate needs --ref and --pred. Usage: ${command.usage}`);
    let datasetJson = str(args, 'dataset-json');
    // nnU-Net layout: labelsTr/ next to dataset.json
    const sibling = path.join(path.dirname(path.resolve(ref)), 'dataset.json');
    if (!datasetJson && fs.existsSync(sibling)) {
      datasetJson = sibling;
      if (!flag(args, 'json')) io.err(`nnseg: using labels from ${sibling}\n`);
    }
    const res = await evaluateFolders({
      ref,
      pred,
      datasetJson,
      labels: parseLabels(str(args, 'labels')),
      hdMode: parseHdMode(str(args, 'hd-mode')),
      distances: !flag(args, 'no-distances'),
      out: str(args, 'out'),
      workers: parseWorkers(str(args, 'workers')),
    });
    const s = res.summary;
    if (flag(args, 'json')) printJson(io, { summaryFile: res.summaryFile, n_cases: s.n_cases, mean: s.mean, foreground_mean: s.foreground_mean, problems: s.problems });
    else {
      io.out(`${s.n_cases} cases evaluated; summary written to ${res.summaryFile}\n`);
      const rows = Object.entries(s.mean).map(([l, e]) => [s.labels[l] && s.labels[l] !== l ? `${l} ${s.labels[l]}` : l, fmt(e.Dice), fmt(e.IoU), fmt(e.Sensitivity), fmt(e.Specificity), fmt(e.HD95, 2), fmt(e.HD99_9, 2), fmt(e.HD100, 2), fmt(e.ASSD, 3)]);
      const f = s.foreground_mean;
      rows.push(['foreground mean', fmt(f.Dice), fmt(f.IoU), fmt(f.Sensitivity), fmt(f.Specificity), fmt(f.HD95, 2), fmt(f.HD99_9, 2), fmt(f.HD100, 2), fmt(f.ASSD, 3)]);
      io.out(textTable(['label (mean over cases)', 'Dice', 'IoU', 'Sens', 'Spec', 'HD95', 'HD99.9', 'HD100', 'ASSD'], rows));
      for (const g of groupProblems(s.problems)) {
        io.err(`nnseg: ${g.count} problem${g.count > 1 ? 's' : ''} (${g.kind}):\n`);
        for (const m of g.messages) io.err(`  ${m}\n`);
        if (g.count > g.messages.length) io.err(`  ... and ${g.count - g.messages.length} more (see summary.json)\n`);
      }
    }
    return s.problems.length ? 1 : 0;
  },
};
export default command;
