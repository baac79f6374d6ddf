import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfigFile, formatDiagnostic } from '../lsp/checkFile';
import { NnsegError } from '../util/errors';
import { writeFileAtomic } from '../util/atomic';
import { flag, printJson, str, type CliCommand } from './command';
import { cliContext } from './planOptions';
import type { JobSpec } from '../jobs/kinds';
import { experimentSchemaUri } from '../config/schema';

const DATASET = 'Dataset900_Demo';

/**
 * The main job on built-in data: generates a small CT-like nnU-Net raw dataset with nnSeg's own
 * generator, writes an experiment config for it, checks both, then runs the pipeline stages that exist
 * (fingerprint, planning, preprocessing), as the editor's jobs do. Re-running reuses what is done.
 */
const command: CliCommand = {
  name: 'demo',
  summary: 'Run the pipeline on built-in (generated) data',
  usage: 'nnseg demo [--dir DIR] [--json]',
  options: { dir: { type: 'string' } },
  async run(args, io) {
    const dir = path.resolve(io.cwd, str(args, 'dir') ?? 'nnseg-demo');
    const ctx = cliContext(io);
    const datasetDir = path.join(dir, DATASET);
    const steps: Record<string, unknown> = {};
    if (!fs.existsSync(path.join(datasetDir, 'dataset.json'))) {
      const { generateSyntheticDataset } = require('../engine/dataset/synthetic') as typeof import('../engine/dataset/synthetic');
      ctx.log('info', `Generating ${DATASET} (8 training and 2 test cases, CT-like, 2 labels) in ${dir}`);
      const ds = await generateSyntheticDataset({ dir: datasetDir, numCases: 8, numTest: 2, shape: [48, 64, 64], spacing: [1.5, 1, 1], numLabels: 2, modality: 'CT', seed: 1 });
      steps.dataset = { dir: datasetDir, training: ds.trainingIds.length, test: ds.testIds.length };
    } else steps.dataset = { dir: datasetDir, reused: true };

    const configFile = path.join(dir, 'demo.nnseg.json');
    if (!fs.existsSync(configFile)) {
      const config = {
        $schema: experimentSchemaUri,
        dataset: DATASET,
        configuration: '3d_fullres',
        preset: 'improved',
        planning: { target: 'cpu' },
        crossValidation: { folds: [0] },
        training: { epochs: 20, iterationsPerEpoch: 25, validationIterations: 5 },
      };
      await writeFileAtomic(configFile, JSON.stringify(config, null, 2) + '\n');
    }
    const check = await checkConfigFile(configFile, { workspaceFolders: [dir] });
    for (const d of check.diagnostics) ctx.log(d.severity === 1 ? 'error' : 'warn', formatDiagnostic(configFile, d));
    if (check.errors) throw new NnsegError(`${configFile} has ${check.errors} error(s); fix them or delete the file to regenerate it.`, configFile);
    steps.config = { file: configFile, errors: 0, warnings: check.warnings };

    const plan = (require('../jobs/runners/plan') as typeof import('../jobs/runners/plan')).default;
    const spec: JobSpec = { id: 'demo', kind: 'plan', configFile, params: {}, settings: {}, workspaceFolders: [dir], jobDir: dir };
    steps.plan = await plan(spec, ctx).finally(() => ctx.done());

    if (flag(args, 'json')) printJson(io, steps);
    else {
      io.out(`\nDemo ready in ${dir}:\n`);
      io.out(`  dataset     ${datasetDir}\n  config      ${configFile}\n  plans       ${path.join(dir, 'preprocessed', DATASET, 'nnsegPlans.json')}\n`);
      io.out(`Open the folder in VS Code (code ${dir}) to edit the config with completion and view the images and labels.\n`);
    }
    return 0;
  },
};
export default command;
