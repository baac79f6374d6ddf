import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getPoolAndConvProps, padShape } from '../../../server/src/engine/planning/topology';
import { convFeatureMapSize } from '../../../server/src/engine/planning/vram';
import { repoRoot } from '../../helpers/data';

test('padShape rounds up to multiples and keeps exact multiples', () => {
  assert.deepEqual(padShape([123.5, 128, 1], [32, 32, 1]), [128, 128, 1]);
  assert.deepEqual(padShape([129, 96, 7], [32, 32, 4]), [160, 96, 8]);
});

test('topology of an isotropic 128^3 patch: 5 poolings to 4^3, all kernels 3', () => {
  const t = getPoolAndConvProps([1, 1, 1], [128, 128, 128], 4);
  assert.deepEqual(t.numPoolPerAxis, [5, 5, 5]);
  assert.equal(t.poolOpKernelSizes.length, 6);
  assert.ok(t.convKernelSizes.every((k) => k.join() === '3,3,3'));
  assert.deepEqual(t.patchSize, [128, 128, 128]);
});

test('topology of anisotropic spacing: z is not pooled nor convolved until its spacing is within 2x', () => {
  const t = getPoolAndConvProps([4, 1, 1], [20, 160, 160], 4);
  assert.deepEqual(t.poolOpKernelSizes[1], [1, 2, 2]);
  assert.deepEqual(t.convKernelSizes[0], [1, 3, 3]);
  // after two in-plane poolings the in-plane spacing is 4: z joins
  assert.deepEqual(t.poolOpKernelSizes[3], [2, 2, 2]);
  assert.deepEqual(t.convKernelSizes[2], [3, 3, 3]);
});

test('memory proxy matches dynamic_network_architectures for nnU-Net\'s 3D default', () => {
  // PlainConvUNet(features 32..320, 6 stages, strides 1,2,2,2,2,2, 2 convs, 3 classes).compute_conv_feature_map_size((128,128,128))
  // by hand: encoder sum_s 2*F_s*(128/2^s)^3, decoder sum over skips 3*F*size (2 convs + transposed conv) + head
  const F = [32, 64, 128, 256, 320, 320];
  const n = (s: number) => (128 / 2 ** s) ** 3;
  let expected = 0;
  for (let s = 0; s < 6; s++) expected += 2 * F[s] * n(s);
  for (let s = 0; s < 5; s++) expected += 3 * F[s] * n(s);
  expected += 3 * n(0);
  const got = convFeatureMapSize([128, 128, 128], {
    featuresPerStage: F,
    strides: [[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2]],
    nConvPerStage: [2, 2, 2, 2, 2, 2],
    nConvPerStageDecoder: [2, 2, 2, 2, 2],
    numClasses: 3,
  });
  assert.equal(got, expected);
});

test('plans schema: validates nnU-Net\'s plans and describes every property', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'plans.schema.json'), 'utf8'));
  const missing: string[] = [];
  const walk = (node: unknown, where: string) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.properties && typeof n.properties === 'object') {
      for (const [k, v] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
        if (typeof v.description !== 'string' || !v.description) missing.push(`${where}.${k}`);
        walk(v, `${where}.${k}`);
      }
    }
    for (const key of ['items', 'additionalProperties']) if (n[key]) walk(n[key], `${where}[${key}]`);
    for (const key of ['anyOf', 'oneOf']) if (Array.isArray(n[key])) (n[key] as unknown[]).forEach((x, i) => walk(x, `${where}{${key}${i}}`));
  };
  walk(schema, '$');
  assert.deepEqual(missing, []);
  const Ajv = require('ajv') as typeof import('ajv').default;
  const validate = new Ajv({ strict: false }).compile(schema);
  const fixtures = path.join(repoRoot, 'test', 'fixtures', 'planning');
  for (const d of fs.readdirSync(fixtures)) {
    const f = path.join(fixtures, d, 'nnUNetPlans.json');
    if (fs.existsSync(f)) assert.ok(validate(JSON.parse(fs.readFileSync(f, 'utf8'))), `${d}: ${JSON.stringify(validate.errors)}`);
  }
  const bad = JSON.parse(fs.readFileSync(path.join(fixtures, 'Dataset801_IsoMR', 'nnUNetPlans.json'), 'utf8'));
  bad.configurations['3d_fullres'].batch_size = 'two';
  assert.equal(validate(bad), false);
});
