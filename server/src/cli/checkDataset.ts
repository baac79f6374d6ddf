import * as path from 'node:path';
import { UsageError } from '../util/errors';
import { type CliCommand, flag, printJson } from './command';

const command: CliCommand = {
  name: 'check-dataset',
  summary: 'Check an nnU-Net raw dataset folder for integrity problems',
  usage: 'nnseg check-dataset DIR [--json] [--quick] [--warnings-ok]',
  options: { quick: { type: 'boolean', default: false }, 'warnings-ok': { type: 'boolean', default: false } },
  allowPositionals: true,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError(`Give one raw dataset folder. Usage: ${command.usage}`);
    const dir = path.resolve(io.cwd, args.positionals[0]);
    const { checkDataset } = require('../engine/dataset/check') as typeof import('../engine/dataset/check');
    const r = await checkDataset(dir, { content: flag(args, 'quick') ? 'headers' : 'all' });
    const errors = r.problems.filter((p) => p.severity === 'error').length;
    const warnings = r.problems.length - errors;
    if (flag(args, 'json')) {
      printJson(io, { ...r, errors, warnings });
    } else {
      for (const p of r.problems) io.out(`${p.severity}: ${p.message}\n`);
      const what = `${r.numTraining} training case${r.numTraining === 1 ? '' : 's'}${r.numTest ? `, ${r.numTest} test` : ''}, ${r.channels.length} channel${r.channels.length === 1 ? '' : 's'}`;
      io.out(r.problems.length ? `${dir}: ${errors} error(s), ${warnings} warning(s) (${what})\n` : `${dir}: no problems (${what})\n`);
    }
    // Any problem fails the check (a gate before training); --warnings-ok accepts deliberate ones,
    // such as cases without foreground.
    return errors > 0 || (warnings > 0 && !flag(args, 'warnings-ok')) ? 1 : 0;
  },
};
export default command;
