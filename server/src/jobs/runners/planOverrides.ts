/**
 * The config's planning.patchSize / batchSize, written into the plans as nnU-Net users do by editing
 * nnUNetPlans.json: the plans stay the one record of what training uses. The topology is kept, so a
 * patch must stay divisible by the network's total stride on every axis.
 */
import { isFullConfiguration, type Plans } from '../../engine/planning/plans';
import { strideMismatches, totalStrides } from '../../engine/planning/topology';
import type { ResolvedExperimentConfig } from '../../config/experimentConfig.generated';
import { NnsegError } from '../../util/errors';

/** Applies the overrides to `plans` in place; returns one line per change (empty: nothing changed). */
export function applyPlanOverrides(plans: Plans, configuration: string, planning: ResolvedExperimentConfig['planning'], source: string): string[] {
  const c = plans.configurations[configuration];
  if (!isFullConfiguration(c)) return [];
  const changes: string[] = [];
  if (planning.patchSize) {
    const patch = planning.patchSize;
    if (patch.length !== c.patch_size.length) {
      throw new NnsegError(`${source}: planning.patchSize has ${patch.length} numbers but ${configuration} patches have ${c.patch_size.length}.`, source);
    }
    const bad = strideMismatches(patch, totalStrides(c.architecture.arch_kwargs.strides));
    if (bad.length) {
      throw new NnsegError(`${source}: planning.patchSize [${patch.join(', ')}] is not divisible by the planned network's total stride: ${bad.join(', ')}.`, source);
    }
    if (patch.some((p, a) => p !== c.patch_size[a])) changes.push(`patch size ${c.patch_size.join('x')} -> ${patch.join('x')}`);
    c.patch_size = patch.slice();
  }
  if (planning.batchSize !== undefined && planning.batchSize !== c.batch_size) {
    changes.push(`batch size ${c.batch_size} -> ${planning.batchSize}`);
    c.batch_size = planning.batchSize;
  }
  return changes;
}
