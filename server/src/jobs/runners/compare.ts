import * as path from 'node:path';
import type { JobRunner } from '../kinds';
import { loadExperiment } from '../experiment';
import { resolveConfigPath } from '../../config/paths';
import { NnsegError } from '../../util/errors';

/**
 * Compares the config's methods (evaluation.compareWith, e.g. nnSeg's predictions and TotalSegmentator's
 * output) against the dataset's reference labels in a Table-1 style report (nnseg compare).
 */
const run: JobRunner = async (spec, ctx) => {
  if (!spec.configFile) throw new NnsegError('The compare job needs an experiment config with evaluation.compareWith.');
  const { compareMethods } = require('../../engine/evaluation') as typeof import('../../engine/evaluation');
  const exp = loadExperiment(spec.configFile, spec.settings, spec.workspaceFolders);
  const ev = exp.config.evaluation;
  const pathCtx = { configFile: exp.configFile, workspaceFolders: spec.workspaceFolders, settings: spec.settings };
  const methods = (ev.compareWith ?? []).map((m) => ({ name: m.name, dir: resolveConfigPath(m.path, pathCtx).path, format: m.format ?? 'labelmap' }));
  if (!methods.length) throw new NnsegError(`${exp.configFile}: evaluation.compareWith lists no predictions to compare.`, exp.configFile);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const out = typeof spec.params.out === 'string' ? spec.params.out : path.join(exp.resultsDir, 'compare', stamp);
  const r = await compareMethods(
    {
      ref: typeof spec.params.ref === 'string' ? spec.params.ref : path.join(exp.rawDir, 'labelsTr'),
      methods,
      datasetJson: path.join(exp.rawDir, 'dataset.json'),
      mapping: ev.mapping ? resolveConfigPath(ev.mapping, pathCtx).path : undefined,
      out,
      hdMode: ev.hdMode,
      title: `${exp.datasetName}: ${methods.map((m) => m.name).join(' vs ')}`,
    },
    ctx,
  );
  ctx.log('info', `Report written to ${r.reportHtml}${r.problems.length ? ` (${r.problems.length} problem(s) listed in it)` : ''}.`);
  return { reportHtml: r.reportHtml, reportMd: r.reportMd, reportJson: r.reportJson, problems: r.problems.length };
};
export default run;
