import * as path from 'node:path';
import { UsageError } from '../util/errors';
import { type CliCommand, flag, printJson, str } from './command';
import { cliContext, intOption } from './planOptions';

const command: CliCommand = {
  name: 'fingerprint',
  summary: 'Extract the dataset fingerprint (dataset_fingerprint.json)',
  usage: 'nnseg fingerprint DIR [--out DIR] [--workers N] [--json]',
  options: { out: { type: 'string' }, workers: { type: 'string' } },
  allowPositionals: true,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError(`Give one raw dataset folder. Usage: ${command.usage}`);
    const dir = path.resolve(io.cwd, args.positionals[0]);
    const { defaultPreprocessedDir } = require('../engine/dataset/paths') as typeof import('../engine/dataset/paths');
    const { extractFingerprint, writeFingerprint } = require('../engine/fingerprint/extract') as typeof import('../engine/fingerprint/extract');
    const outDir = str(args, 'out') ? path.resolve(io.cwd, str(args, 'out')!) : defaultPreprocessedDir(dir, io.env);
    const ctx = cliContext(io);
    const fp = await extractFingerprint(dir, { workers: intOption(args, 'workers', 0) }, ctx).finally(() => ctx.done());
    const file = await writeFingerprint(outDir, fp);
    if (flag(args, 'json')) printJson(io, fp);
    else {
      io.out(`${fp.spacings.length} cases; median relative size after cropping ${fp.median_relative_size_after_cropping.toFixed(3)}\n`);
      for (const [c, p] of Object.entries(fp.foreground_intensity_properties_per_channel)) {
        io.out(`channel ${c}: foreground mean ${p.mean.toPrecision(6)}, std ${p.std.toPrecision(6)}, p0.5 ${p.percentile_00_5}, median ${p.median}, p99.5 ${p.percentile_99_5}\n`);
      }
      io.out(`wrote ${file}\n`);
    }
    return 0;
  },
};
export default command;
