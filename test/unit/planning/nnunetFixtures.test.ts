import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planExperiment, GPU_PRESET } from '../../../server/src/engine/planning/planner';
import type { Plans } from '../../../server/src/engine/planning/plans';
import { comparable } from './comparable';
import { repoRoot } from '../../helpers/data';

const root = path.join(repoRoot, 'test', 'fixtures', 'planning');
const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));

for (const name of fs.readdirSync(root).filter((n) => fs.statSync(path.join(root, n)).isDirectory())) {
  test(`planner reproduces nnU-Net v2's plans exactly: ${name}`, () => {
    const dir = path.join(root, name);
    const expected = readJson(path.join(dir, 'nnUNetPlans.json')) as Plans;
    const plans = planExperiment(
      { datasetName: name, datasetJson: readJson(path.join(dir, 'dataset.json')), fingerprint: readJson(path.join(dir, 'dataset_fingerprint.json')) },
      GPU_PRESET,
    );
    assert.deepEqual(Object.keys(plans.configurations), Object.keys(expected.configurations));
    assert.deepEqual(comparable(plans), comparable(expected));
  });
}
