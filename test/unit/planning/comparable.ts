import type { Plans } from '../../../server/src/engine/planning/plans';

/** Plans without the fields that name things (dataset, plans name) or that nnU-Net does not write. */
export function comparable(p: Plans): unknown {
  const q = JSON.parse(JSON.stringify(p)) as Plans & Record<string, unknown>;
  delete q.nnseg_planner;
  delete (q as Partial<Plans>).dataset_name;
  q.plans_name = 'PLANS';
  for (const c of Object.values(q.configurations)) {
    if (typeof c.data_identifier === 'string') c.data_identifier = c.data_identifier.replace(/^.*?_(2d|3d_\w+)$/, 'PLANS_$1');
  }
  return q;
}
