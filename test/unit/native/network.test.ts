// Whole-network check: the U-Net's loss and every parameter gradient on the native path against the
// wasm path (the engine's verified kernels), from the same weights and data, and one training step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectCompute } from '../../../server/src/engine/compute/select';
import { setComputeLog } from '../../../server/src/engine/compute/log';
import { deepSupervisionLoss, deepSupervisionWeights } from '../../../server/src/engine/compute/ops';
import { UNet, type UNetConfig } from '../../../server/src/engine/network';
import { skipNoNative } from './helpers';
import { rand, relErr } from '../compute/reference';

const cfg: UNetConfig = {
  inputChannels: 2, numClasses: 3, featuresPerStage: [4, 8, 16], kernelSizes: [[3, 3, 3], [3, 3, 3], [1, 3, 3]],
  strides: [[1, 1, 1], [2, 2, 2], [1, 2, 2]], nConvPerStage: [2, 2, 2], nConvPerStageDecoder: [1, 2], deepSupervision: true,
};

function lossAndGrads(net: UNet, xv: Float32Array, labels: Int32Array, shape: number[]): { loss: number; grads: Map<string, Float32Array> } {
  let out: { loss: number; grads: Map<string, Float32Array> } | undefined;
  tf.tidy(() => {
    const x = tf.tensor(xv, [...shape, cfg.inputChannels]);
    const seg = tf.tensor(labels, shape, 'int32');
    const targets = [seg, tf.stridedSlice(seg, [0, 0, 0, 0], shape, [1, 2, 2, 2])];
    const { value, grads } = tf.variableGrads(() => deepSupervisionLoss(net.forward(x, { training: true }), targets, deepSupervisionWeights(2), { weightDice: 1.5, weightCE: 0.5 }) as tf.Scalar, net.variables);
    // Keyed by the PyTorch parameter name (tfjs variable names differ between instances).
    out = { loss: value.dataSync()[0], grads: new Map(net.params.filter((p) => grads[p.variable.name]).map((p) => [p.name, Float32Array.from(grads[p.variable.name].dataSync())])) };
  });
  return out!;
}

test('U-Net loss and all parameter gradients: native path equals the wasm path', { skip: skipNoNative }, async () => {
  setComputeLog(() => {});
  const shape = [2, 8, 12, 12];
  const xv = rand(shape.reduce((a, b) => a * b, cfg.inputChannels), 1);
  const labels = Int32Array.from(rand(shape.reduce((a, b) => a * b, 1), 2), (v) => Math.min(2, Math.floor((v + 1) * 1.5)));
  await selectCompute({ path: 'wasm', log: false });
  const net = new UNet(cfg, 7);
  const weights = net.getWeights();
  const w = lossAndGrads(net, xv, labels, shape);
  net.dispose();
  const c = await selectCompute({ path: 'native', log: false });
  assert.equal(c.path, 'native');
  assert.equal(tf.getBackend(), 'cpu');
  const net2 = new UNet(cfg, 7);
  net2.setWeights(weights);
  const n = lossAndGrads(net2, xv, labels, shape);
  net2.dispose();
  assert.ok(Math.abs(n.loss - w.loss) <= 1e-5 * Math.abs(w.loss), `loss ${n.loss} vs ${w.loss}`);
  assert.equal(n.grads.size, w.grads.size);
  assert.ok(w.grads.size >= 20, `only ${w.grads.size} gradients`);
  // A conv bias followed by instance norm has a zero gradient (both paths give rounding noise), so
  // those are checked against the largest weight gradient instead of their own scale.
  let worst = 0, worstName = '', maxW = 0;
  for (const [name, g] of w.grads) if (!/conv\.bias$/.test(name)) for (const v of g) maxW = Math.max(maxW, Math.abs(v));
  for (const [name, g] of w.grads) {
    const ng = n.grads.get(name)!;
    const e = /conv\.bias$/.test(name) ? Math.max(...ng.map(Math.abs), ...g.map(Math.abs)) / maxW : relErr(ng, g);
    if (e > worst) [worst, worstName] = [e, name];
  }
  if (process.env.NNSEG_TEST_VERBOSE) console.log(`worst gradient error ${worst} (${worstName}), loss ${n.loss} vs ${w.loss}`);
  assert.ok(worst <= 1e-4, `worst gradient ${worstName}: rel err ${worst}`);
});
