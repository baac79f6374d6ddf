import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gpuVisibility, visibleCudaDevices } from '../../../server/src/engine/compute/gpu';

const listing = 'GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-aaaa)\nGPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-bbbb)\n';

test('CUDA_VISIBLE_DEVICES picks devices by index or UUID, and stops at the first invalid entry as CUDA does', () => {
  assert.equal(visibleCudaDevices({}, listing).length, 2);
  assert.deepEqual(visibleCudaDevices({ CUDA_VISIBLE_DEVICES: '1' }, listing), ['GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-bbbb)']);
  assert.deepEqual(visibleCudaDevices({ CUDA_VISIBLE_DEVICES: 'GPU-aaaa' }, listing).length, 1);
  assert.deepEqual(visibleCudaDevices({ CUDA_VISIBLE_DEVICES: '-1' }, listing), []);
  assert.deepEqual(visibleCudaDevices({ CUDA_VISIBLE_DEVICES: '' }, listing), []);
  assert.deepEqual(visibleCudaDevices({ CUDA_VISIBLE_DEVICES: '0,7,1' }, listing).length, 1);
  assert.deepEqual(visibleCudaDevices({}, null), []);
});

test('the planner sees a GPU only through a backend that can use one, with tfjs-node-gpu loading', () => {
  for (const b of ['wasm', 'cpu']) {
    const g = gpuVisibility(b);
    assert.equal(g.visible, false);
    assert.match(g.reason, new RegExp(`backend is '${b}'`));
  }
  let loads = true;
  try {
    require('@tensorflow/tfjs-node-gpu');
  } catch {
    loads = false;
  }
  const g = gpuVisibility('auto');
  if (!loads) {
    assert.equal(g.visible, false);
    assert.match(g.reason, /tfjs-node-gpu does not load/);
  } else assert.equal(g.visible, g.devices.length > 0);
});
