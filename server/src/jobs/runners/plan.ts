import type { JobRunner } from '../kinds';
import { loadExperiment } from '../experiment';
import { NnsegError } from '../../util/errors';
import { writeJsonAtomic } from '../../util/atomic';
import { applyPlanOverrides } from './planOverrides';
import type { PlannerOptions } from '../../engine/planning/planner';
import type { ResolvedExperimentConfig } from '../../config/experimentConfig.generated';

/** The config's planning knobs as planner options (its target picks nnU-Net's GPU or nnSeg's CPU defaults). */
export function plannerOptionsFor(config: ResolvedExperimentConfig, gpuVisible = false): Partial<PlannerOptions> {
  const { CPU_PRESET, GPU_PRESET } = require('../../engine/planning/planner') as typeof import('../../engine/planning/planner');
  const p = config.planning;
  const target = p.target === 'auto' ? (gpuVisible ? 'gpu' : 'cpu') : p.target;
  const base = target === 'gpu' ? GPU_PRESET : CPU_PRESET;
  const out: Partial<PlannerOptions> = { ...base };
  if (p.memoryBudgetGB !== undefined) out.memoryTargetGB = p.memoryBudgetGB;
  if (p.baseFeatures !== undefined) out.baseFeatures = p.baseFeatures;
  if (p.maxFeatures !== undefined) out.maxFeatures3d = p.maxFeatures;
  if (out.memoryTargetGB !== base.memoryTargetGB || out.baseFeatures !== base.baseFeatures || out.maxFeatures3d !== base.maxFeatures3d) out.preset = 'custom';
  return out;
}

/** fingerprint: the fingerprint only; plan: fingerprint + plans + preprocessing of the config's configuration; preprocess: preprocessing with existing plans. */
const run: JobRunner = async (spec, ctx) => {
  if (!spec.configFile) throw new NnsegError(`The '${spec.kind}' job needs an experiment config.`);
  const exp = loadExperiment(spec.configFile, spec.settings, spec.workspaceFolders);
  const { getFingerprint, planDataset } = require('../../engine/planning/run') as typeof import('../../engine/planning/run');
  const { preprocessDataset } = require('../../engine/preprocessing/run') as typeof import('../../engine/preprocessing/run');
  ctx.log('info', `Dataset ${exp.rawDir}; preprocessed data in ${exp.preprocessedDir}.`);
  if (spec.kind === 'fingerprint') {
    const { reused } = await getFingerprint(exp.rawDir, exp.preprocessedDir, { refresh: spec.params.refresh === true }, ctx);
    return { preprocessedDir: exp.preprocessedDir, fingerprintReused: reused };
  }
  let plansFile: string | undefined;
  if (spec.kind === 'plan') {
    let gpu = false;
    if (exp.config.planning.target === 'auto') {
      const { gpuVisibility } = require('../../engine/compute/gpu') as typeof import('../../engine/compute/gpu');
      const backend = exp.config.backend !== 'auto' ? exp.config.backend : spec.settings?.backend;
      const g = gpuVisibility(backend);
      gpu = g.visible;
      ctx.log('info', `Planning target auto: ${gpu ? 'gpu' : 'cpu'} (${g.reason}).`);
    }
    const r = await planDataset(exp.rawDir, { outDir: exp.preprocessedDir, planner: plannerOptionsFor(exp.config, gpu) }, ctx);
    plansFile = r.plansFile;
    const c = r.plans.configurations[exp.config.configuration];
    if (!c) throw new NnsegError(`The plans have no ${exp.config.configuration} configuration for ${exp.datasetName} (it is only planned when the full-resolution patch covers less than 25% of the median image); choose 3d_fullres or 2d.`, plansFile);
    const changes = applyPlanOverrides(r.plans, exp.config.configuration, exp.config.planning, exp.configFile);
    if (changes.length) {
      await writeJsonAtomic(plansFile, r.plans);
      ctx.log('info', `${exp.config.configuration}: ${changes.join(', ')} (planning overrides in ${exp.configFile}).`);
    }
    ctx.log('info', `Plans written to ${plansFile}.`);
  }
  const report = await preprocessDataset(exp.rawDir, { outDir: exp.preprocessedDir, configurations: [exp.config.configuration] }, ctx);
  const failed = report.configurations.flatMap((c) => c.failed);
  for (const f of failed) ctx.log('error', `${f.id}: ${f.message}`);
  if (failed.length) throw new NnsegError(`Preprocessing failed for ${failed.length} case(s) (listed in the log); the others are kept and are skipped when you run it again.`);
  return { preprocessedDir: exp.preprocessedDir, plansFile, configurations: report.configurations.map((c) => ({ configuration: c.configuration, done: c.done.length, skipped: c.skipped.length, warnings: c.warnings.map((w) => w.message), seconds: c.seconds })) };
};
export default run;
