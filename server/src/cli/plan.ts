import * as path from 'node:path';
import { UsageError } from '../util/errors';
import { type CliCommand, flag, printJson, str } from './command';
import { cliContext, intOption, plannerOptions, plannerOptionSpec } from './planOptions';

const command: CliCommand = {
  name: 'plan',
  summary: 'Plan the experiment (spacing, patch, network, batch) from a dataset',
  usage:
    'nnseg plan DIR [--json] [--gpu-memory GB | --preset cpu|gpu] [--base-features N] [--max-features N] [--max-features-2d N] [--out DIR] [--workers N] [--refresh-fingerprint] [--dry-run]',
  options: {
    ...plannerOptionSpec,
    out: { type: 'string' },
    workers: { type: 'string' },
    'refresh-fingerprint': { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
  },
  allowPositionals: true,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError(`Give one raw dataset folder. Usage: ${command.usage}`);
    const dir = path.resolve(io.cwd, args.positionals[0]);
    const planner = plannerOptions(args);
    const { planDataset } = require('../engine/planning/run') as typeof import('../engine/planning/run');
    const outDir = str(args, 'out') ? path.resolve(io.cwd, str(args, 'out')!) : undefined;
    const ctx = cliContext(io);
    const r = await planDataset(
      dir,
      { outDir, planner, workers: intOption(args, 'workers', 0), refreshFingerprint: flag(args, 'refresh-fingerprint'), dryRun: flag(args, 'dry-run') },
      ctx,
    ).finally(() => ctx.done());
    if (flag(args, 'json')) {
      printJson(io, r.plans);
      return 0;
    }
    const p = r.plans;
    const s = p.nnseg_planner!;
    io.out(`${p.dataset_name}: ${s.preset} planner (memory target ${s.memory_target_gb} GB, features ${s.base_features}..${s.max_features_3d}), transpose ${JSON.stringify(p.transpose_forward)}\n`);
    const { isFullConfiguration } = require('../engine/planning/plans') as typeof import('../engine/planning/plans');
    for (const [name, c] of Object.entries(p.configurations)) {
      if (!isFullConfiguration(c)) {
        io.out(`  ${name.padEnd(19)} inherits from ${String(c.inherits_from)}\n`);
        continue;
      }
      const k = c.architecture.arch_kwargs;
      io.out(
        `  ${name.padEnd(19)} patch ${c.patch_size.join('x').padEnd(12)} batch ${String(c.batch_size).padEnd(3)} spacing ${c.spacing.map((x) => +x.toFixed(3)).join('x').padEnd(16)} ` +
          `${k.n_stages} stages ${k.features_per_stage.join('/')}\n`,
      );
    }
    io.out(`${r.fingerprintReused ? 'reused' : 'wrote'} ${path.join(r.outDir, 'dataset_fingerprint.json')}\n`);
    io.out(flag(args, 'dry-run') ? '(dry run: plans not written)\n' : `wrote ${r.plansFile}\n`);
    return 0;
  },
};
export default command;
