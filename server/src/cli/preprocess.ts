import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../util/errors';
import { type CliCommand, flag, printJson, str, strs } from './command';
import { cliContext, intOption, plannerOptions, plannerOptionSpec } from './planOptions';

const command: CliCommand = {
  name: 'preprocess',
  summary: 'Crop, resample and normalise a dataset into the preprocessed cache',
  usage: 'nnseg preprocess DIR [-c CONFIG ...] [--out DIR] [--workers N] [--force] [--json] (plans first with the planner options of nnseg plan when there are none)',
  options: {
    ...plannerOptionSpec,
    configuration: { type: 'string', short: 'c', multiple: true },
    out: { type: 'string' },
    workers: { type: 'string' },
    np: { type: 'string' },
    force: { type: 'boolean', default: false },
  },
  allowPositionals: true,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError(`Give one raw dataset folder. Usage: ${command.usage}`);
    const dir = path.resolve(io.cwd, args.positionals[0]);
    const { defaultPreprocessedDir, PLANS_FILE } = require('../engine/dataset/paths') as typeof import('../engine/dataset/paths');
    const { preprocessDataset } = require('../engine/preprocessing/run') as typeof import('../engine/preprocessing/run');
    const outDir = str(args, 'out') ? path.resolve(io.cwd, str(args, 'out')!) : defaultPreprocessedDir(dir, io.env);
    const ctx = cliContext(io);
    try {
      if (!fs.existsSync(path.join(outDir, PLANS_FILE))) {
        const { planDataset } = require('../engine/planning/run') as typeof import('../engine/planning/run');
        const planner = plannerOptions(args);
        ctx.log('info', `no plans in ${outDir}: planning first (${planner.preset} preset; see nnseg plan)`);
        await planDataset(dir, { outDir, planner, workers: intOption(args, 'workers', 0) }, ctx);
      }
      const configs = strs(args, 'configuration');
      const workers = intOption(args, 'workers', 0) ?? intOption(args, 'np', 0);
      const r = await preprocessDataset(dir, { outDir, configurations: configs.length ? configs : undefined, workers, force: flag(args, 'force') }, ctx);
      ctx.done();
      const failed = r.configurations.reduce((a, c) => a + c.failed.length, 0);
      if (flag(args, 'json')) printJson(io, r);
      else {
        for (const c of r.configurations) {
          for (const f of c.failed) io.out(`error: ${f.message}\n`);
          for (const w of c.warnings) io.out(`warning: ${w.message}\n`);
          const warned = c.warnings.length ? `, ${c.warnings.length} with a warning` : '';
          io.out(`${c.configuration}: ${c.done.length} preprocessed${warned}, ${c.skipped.length} already done, ${c.failed.length} failed -> ${c.dir}\n`);
        }
      }
      return failed ? 1 : 0;
    } finally {
      ctx.done();
    }
  },
};
export default command;
