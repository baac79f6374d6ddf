import * as path from 'node:path';
import type { JobRunner } from '../kinds';
import { loadExperiment } from '../experiment';
import { NnsegError } from '../../util/errors';

function asString(v: unknown, what: string): string {
  if (typeof v !== 'string' || !v) throw new NnsegError(`The evaluate job needs ${what}.`);
  return v;
}

/** Evaluates a folder of predictions against references (nnseg evaluate), with the config's evaluation settings when given. */
const run: JobRunner = async (spec, ctx) => {
  const { evaluateFolders } = require('../../engine/evaluation/evaluate') as typeof import('../../engine/evaluation/evaluate');
  const exp = spec.configFile ? loadExperiment(spec.configFile, spec.settings, spec.workspaceFolders) : undefined;
  const ref = asString(spec.params.ref ?? (exp && path.join(exp.rawDir, 'labelsTr')), 'a reference folder (params.ref)');
  const pred = asString(spec.params.pred, 'a predictions folder (params.pred)');
  const r = await evaluateFolders(
    {
      ref,
      pred,
      datasetJson: exp ? path.join(exp.rawDir, 'dataset.json') : undefined,
      hdMode: exp?.config.evaluation.hdMode,
      out: typeof spec.params.out === 'string' ? spec.params.out : undefined,
    },
    ctx,
  );
  ctx.log('info', `Summary written to ${r.summaryFile}.`);
  return { summaryFile: r.summaryFile, problems: r.problems.length, foregroundMean: r.summary.foreground_mean };
};
export default run;
