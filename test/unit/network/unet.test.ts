import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectCompute } from '../../../server/src/engine/compute/select';
import { forceComposite, deepSupervisionLoss, deepSupervisionWeights } from '../../../server/src/engine/compute/ops';
import { UNet, SGD, trainStep, polyLR, unetConfigFromPlans, inferLogits, type UNetConfig } from '../../../server/src/engine/network';
import { NnsegError } from '../../../server/src/util/errors';
import { rand, relErr } from '../compute/reference';

const small3d: UNetConfig = {
  inputChannels: 1, numClasses: 3, featuresPerStage: [4, 8, 16], kernelSizes: [[3, 3, 3], [3, 3, 3], [1, 3, 3]],
  strides: [[1, 1, 1], [2, 2, 2], [1, 2, 2]], nConvPerStage: [2, 2, 2], nConvPerStageDecoder: [1, 2], deepSupervision: true,
};

before(async () => {
  await selectCompute({ path: 'wasm', log: false });
});

test('network: deep-supervision outputs at each decoder resolution, highest first', () => {
  const net = new UNet(small3d);
  const outs = tf.tidy(() => net.forward(tf.ones([2, 8, 12, 12, 1])).map((o) => o.shape));
  assert.deepEqual(outs, [[2, 8, 12, 12, 3], [2, 4, 6, 6, 3]]);
  const input = tf.ones([1, 8, 12, 12, 1]);
  const before = tf.memory().numTensors;
  const y = inferLogits(net, input);
  assert.deepEqual(y.shape, [1, 8, 12, 12, 3]);
  y.dispose();
  assert.equal(tf.memory().numTensors, before, 'inference frees its intermediates');
  input.dispose();
  assert.ok(net.params.some((p) => p.name === 'encoder.stages.0.0.convs.0.conv.weight'));
  assert.ok(net.params.some((p) => p.name === 'decoder.seg_layers.1.bias'));
  assert.deepEqual(net.patchDivisor(), [2, 4, 4]);
  assert.deepEqual(net.outputScales(), [[1, 1, 1], [2, 2, 2]]);
  net.dispose();
});

test('network: the fused kernels give the same loss and gradients as plain tf ops', () => {
  const net = new UNet(small3d, 7);
  const x = tf.tensor(rand(2 * 8 * 8 * 8, 1), [2, 8, 8, 8, 1]);
  const t0 = tf.tensor(Int32Array.from(rand(2 * 512, 2), (v) => Math.floor((v + 1) * 1.5)), [2, 8, 8, 8], 'int32');
  const t1 = tf.tensor(Int32Array.from(rand(2 * 64, 3), (v) => Math.floor((v + 1) * 1.5)), [2, 4, 4, 4], 'int32');
  const run = () => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => deepSupervisionLoss(net.forward(x), [t0, t1], [0.6, 0.4], { weightDice: 1.5, weightCE: 0.5 }) as tf.Scalar, net.variables);
    return { loss: value.dataSync()[0], grads: net.variables.map((v) => grads[v.name].dataSync()) };
  });
  const fused = run();
  forceComposite(true);
  let plain;
  try { plain = run(); } finally { forceComposite(false); }
  assert.ok(Math.abs(fused.loss - plain.loss) < 1e-5 * Math.abs(plain.loss), `${fused.loss} vs ${plain.loss}`);
  net.params.forEach((p, i) => {
    if (p.name.endsWith('conv.bias')) return; // zero in exact arithmetic (bias before instance norm): compare absolute
    assert.ok(relErr(fused.grads[i], plain.grads[i]) < 1e-3, `${p.name}: rel err ${relErr(fused.grads[i], plain.grads[i])}`);
  });
  net.dispose();
  tf.dispose([x, t0, t1]);
});

test('network: training steps on a toy task lower the loss, with no tensor leak', () => {
  const cfg: UNetConfig = { ...small3d, numClasses: 2, kernelSizes: [[3, 3, 3], [3, 3, 3], [3, 3, 3]], strides: [[1, 1, 1], [2, 2, 2], [2, 2, 2]] };
  const net = new UNet(cfg, 3);
  const opt = new SGD({ lr: 1e-2 });
  // a bright cube to segment
  const img = new Float32Array(2 * 8 * 8 * 8), lab = new Int32Array(2 * 8 * 8 * 8);
  for (let n = 0; n < 2; n++) for (let z = 0; z < 8; z++) for (let y = 0; y < 8; y++) for (let xx = 0; xx < 8; xx++) {
    const i = ((n * 8 + z) * 8 + y) * 8 + xx;
    const inside = z >= 2 + n && z < 6 && y >= 2 && y < 6 && xx >= 1 && xx < 5 + n;
    img[i] = (inside ? 1 : -1) + 0.1 * Math.sin(i);
    lab[i] = inside ? 1 : 0;
  }
  const x = tf.tensor(img, [2, 8, 8, 8, 1]);
  const t0 = tf.tensor(lab, [2, 8, 8, 8], 'int32');
  const t1 = tf.tidy(() => tf.cast(tf.stridedSlice(t0, [0, 0, 0, 0], [2, 8, 8, 8], [1, 2, 2, 2]), 'int32'));
  const losses: number[] = [];
  let count = 0;
  for (let i = 0; i < 12; i++) {
    opt.lr = polyLR(1e-2, i, 12);
    losses.push(trainStep(net, opt, x, [t0, t1], { loss: { weightDice: 1.5, weightCE: 0.5 } }).loss);
    if (i === 1) count = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, count, 'steady tensor count across steps');
  assert.ok(losses[11] < losses[0] - 0.1, `loss ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  net.dispose();
  opt.dispose();
  tf.dispose([x, t0, t1]);
});

test('network: 2D configuration trains through the same ops', () => {
  const cfg: UNetConfig = { inputChannels: 2, numClasses: 2, featuresPerStage: [4, 8], kernelSizes: [[3, 3], [3, 3]], strides: [[1, 1], [2, 2]], nConvPerStage: [1, 1], nConvPerStageDecoder: [1], deepSupervision: false };
  const net = new UNet(cfg);
  const opt = new SGD({ lr: 1e-2 });
  const x = tf.tensor(rand(3 * 10 * 6 * 2, 5), [3, 10, 6, 2]);
  const t = tf.zeros([3, 10, 6], 'int32');
  const r = trainStep(net, opt, x, [t], { weights: [1] });
  assert.ok(Number.isFinite(r.loss) && r.gradNorm > 0);
  net.dispose();
  opt.dispose();
});

test('network: configuration from nnU-Net plans (arch_kwargs and the older keys), with clear errors', () => {
  const plans = {
    architecture: {
      network_class_name: 'dynamic_network_architectures.architectures.unet.PlainConvUNet',
      arch_kwargs: {
        n_stages: 3, features_per_stage: [32, 64, 128], kernel_sizes: [[1, 3, 3], [3, 3, 3], [3, 3, 3]],
        strides: [[1, 1, 1], [1, 2, 2], [2, 2, 2]], n_conv_per_stage: [2, 2, 2], n_conv_per_stage_decoder: [2, 2],
        conv_bias: true, norm_op_kwargs: { eps: 1e-5, affine: true }, nonlin_kwargs: { inplace: true },
      },
    },
  };
  const c = unetConfigFromPlans(plans, 1, 4);
  assert.deepEqual(c.kernelSizes[0], [1, 3, 3]);
  assert.equal(c.featuresPerStage[2], 128);
  assert.equal(c.eps, 1e-5);
  const old = unetConfigFromPlans({ conv_kernel_sizes: [[3, 3], [3, 3]], pool_op_kernel_sizes: [[1, 1], [2, 2]], UNet_base_num_features: 32 }, 1, 2);
  assert.deepEqual(old.featuresPerStage, [32, 64]);
  assert.throws(() => unetConfigFromPlans({}, 1, 2, true, 'nnsegPlans.json'), (e: unknown) => e instanceof NnsegError && /nnsegPlans\.json/.test((e as Error).message));
  assert.throws(() => unetConfigFromPlans({ architecture: { arch_kwargs: { ...plans.architecture.arch_kwargs, kernel_sizes: [[2, 2, 2], [3, 3, 3], [3, 3, 3]] } } }, 1, 2), /must be odd/);
  assert.deepEqual(deepSupervisionWeights(3).map((v) => +v.toFixed(4)), [0.6667, 0.3333, 0]);
  assert.ok(Math.abs(polyLR(1e-2, 500, 1000) - 1e-2 * 0.5 ** 0.9) < 1e-12);
});

test('network: SGD matches PyTorch Nesterov with weight decay on a hand-computed example', () => {
  const p = tf.variable(tf.tensor([1, -2]));
  const opt = new SGD({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
  const g = tf.tensor([0.5, 0.25]);
  opt.step([p], [g]);
  // g' = g + wd p = [0.51, 0.23]; buf = g'; update = g' + 0.9 buf = 1.9 g'
  assert.ok(relErr(p.dataSync(), [1 - 0.1 * 1.9 * 0.51, -2 - 0.1 * 1.9 * 0.23]) < 1e-6);
  opt.step([p], [g]);
  const p1 = [1 - 0.1 * 1.9 * 0.51, -2 - 0.1 * 1.9 * 0.23];
  const g2 = [0.5 + 0.01 * p1[0], 0.25 + 0.01 * p1[1]];
  const buf = [0.9 * 0.51 + g2[0], 0.9 * 0.23 + g2[1]];
  assert.ok(relErr(p.dataSync(), [p1[0] - 0.1 * (g2[0] + 0.9 * buf[0]), p1[1] - 0.1 * (g2[1] + 0.9 * buf[1])]) < 1e-6);
  opt.dispose();
  p.dispose();
});
