import { readNiftiHeader } from '../engine/io';
import { labelTableOf } from '../engine/evaluation/labelFile';
import { metricsForFiles } from '../engine/evaluation/metricsFiles';
import { UsageError } from '../util/errors';
import { printJson, str, flag, type CliCommand } from './command';
import { metricsHeader, metricsRows, parseHdMode, parseLabels, textTable } from './evalFormat';

const command: CliCommand = {
  name: 'metrics',
  summary: 'Segmentation metrics (Dice, IoU, HD95, ...) for one prediction against a reference',
  usage: 'nnseg metrics --ref REF.nii.gz --pred PRED.nii.gz [--labels 1,2] [--hd-mode max|pooled] [--no-distances] [--json]',
  options: {
    ref: { type: 'string' },
    pred: { type: 'string' },
    labels: { type: 'string' },
    'hd-mode': { type: 'string' },
    'no-distances': { type: 'boolean', default: false },
  },
  async run(args, io) {
    const ref = str(args, 'ref');
    const pred = str(args, 'pred');
    if (!ref || !pred) throw new UsageError(`nnseg metrics needs --ref and --pred. Usage: ${command.usage}`);
    const labels = parseLabels(str(args, 'labels'));
    const hdMode = parseHdMode(str(args, 'hd-mode'));
    const m = await metricsForFiles(ref, pred, { labels, hdMode, distances: !flag(args, 'no-distances') });
    if (flag(args, 'json')) printJson(io, m);
    else {
      // label names when the reference carries a label table (TotalSegmentator --ml files)
      const table = labelTableOf(await readNiftiHeader(ref));
      const names = table ? Object.fromEntries([...table].map(([v, n]) => [String(v), n])) : undefined;
      io.out(`${pred} against ${ref} (distances in mm, hd mode ${hdMode})\n`);
      io.out(Object.keys(m.labels).length ? textTable(metricsHeader, metricsRows(m.labels, names)) : 'no foreground label in either file\n');
    }
    return 0;
  },
};
export default command;
