import * as path from 'node:path';
import { UsageError } from '../util/errors';
import { type CliCommand, flag, printJson } from './command';

const command: CliCommand = {
  name: 'check-dataset',
  summary: 'Check an nnU-Net raw dataset folder for integrity problems',
  usage: 'nnseg check-dataset DIR [--json] [--quick]',
  options: { quick: { type: 'boolean', default: false } },
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
    return errors > 0 ? 1 : 0;
  },
};
export default command;
