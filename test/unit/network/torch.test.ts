import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectCompute } from '../../../server/src/engine/compute/select';
import { UNet, type UNetConfig } from '../../../server/src/engine/network';
import { rand, relErr } from '../compute/reference';
import { repoRoot, tempDir } from '../../helpers/data';

const py = '/usr/bin/python3';
const haveTorch = fs.existsSync(py) && spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;

test('network: same outputs as the same U-Net built from PyTorch modules (bench/torch_unet.py) with the same weights: anisotropic kernels, per-axis strides', { skip: haveTorch ? false : 'needs /usr/bin/python3 with torch (Debian python3-torch)' }, async () => {
  await selectCompute({ path: 'wasm', log: false });
  const config: UNetConfig = {
    inputChannels: 2, numClasses: 3, featuresPerStage: [4, 8, 12], kernelSizes: [[1, 3, 3], [3, 3, 3], [3, 3, 1]],
    strides: [[1, 1, 1], [1, 2, 2], [2, 2, 2]], nConvPerStage: [2, 1, 2], nConvPerStageDecoder: [1, 2], deepSupervision: true,
  };
  const net = new UNet(config, 5);
  // non-trivial norms and biases, so every parameter matters
  for (const p of net.params) if (p.kind === 'vector') p.variable.assign(tf.tensor(Float32Array.from(rand(p.variable.size, p.name.length), (v) => (p.name.endsWith('norm.weight') ? 1 + 0.3 * v : 0.2 * v))));
  const shape = [2, 6, 8, 12, 2];
  const input = rand(shape.reduce((a, b) => a * b), 9);
  const ours = tf.tidy(() => net.forward(tf.tensor(input, shape), { training: false }).map((o) => Array.from(o.dataSync())));
  const t = tempDir();
  try {
    const file = path.join(t.dir, 'net.json');
    const weights = Object.fromEntries(Object.entries(net.getWeights()).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }]));
    fs.writeFileSync(file, JSON.stringify({ config, weights, input: { shape, data: Array.from(input) } }));
    const r = spawnSync(py, [path.join(repoRoot, 'bench', 'torch_unet.py'), '--check', file], { encoding: 'utf8', timeout: 120000 });
    assert.equal(r.status, 0, r.stderr);
    const theirs = JSON.parse(r.stdout.trim().split('\n').pop()!) as number[][];
    assert.equal(theirs.length, ours.length);
    ours.forEach((o, i) => assert.ok(relErr(o, theirs[i]) < 1e-4, `output ${i}: rel err ${relErr(o, theirs[i])}`));
  } finally {
    t.cleanup();
    net.dispose();
  }
});
