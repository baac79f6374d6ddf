import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import doctor from '../../../server/src/cli/doctor';
import { UsageError } from '../../../server/src/util/errors';

function io() {
  const out: string[] = [];
  return { out, io: { out: (t: string) => out.push(t), err: () => {}, cwd: process.cwd(), env: process.env } };
}

test('doctor --json reports backend, versions, SIMD/threads, native state, memory, optional pieces and a passing self-test', async () => {
  const o = io();
  const code = await doctor.run({ values: { json: true, backend: 'wasm' }, positionals: [] }, o.io);
  assert.equal(code, 0);
  const r = JSON.parse(o.out.join(''));
  assert.equal(r.backend, 'wasm');
  assert.equal(r.path, 'wasm');
  assert.equal(r.versions.tfjs, '4.22.0');
  assert.equal(typeof r.wasm.simd, 'boolean');
  assert.equal(r.wasm.heapLimitMB, 4096);
  assert.equal(typeof r.native.available, 'boolean');
  assert.ok(r.memory.totalMB > 0);
  assert.ok(r.optional.some((p: { name: string }) => p.name === '@tensorflow/tfjs-node-gpu'));
  assert.equal(r.selfTest.ok, true);
  assert.ok(r.selfTest.maxRelErr < 1e-3);
});

test('doctor rejects an unknown backend as a usage error', async () => {
  await assert.rejects(doctor.run({ values: { backend: 'gpu' }, positionals: [] }, io().io), UsageError);
});

test('an optional tensorflow package counts as installed only when it loads', async () => {
  const o = io();
  await doctor.run({ values: { json: true, backend: 'wasm', 'no-self-test': true }, positionals: [] }, o.io);
  const r = JSON.parse(o.out.join(''));
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    let loads = true;
    try {
      require(pkg);
    } catch {
      loads = false;
    }
    const piece = r.optional.find((p: { name: string }) => p.name === pkg);
    assert.equal(piece.installed, loads, `${pkg}: ${piece.detail}`);
  }
});

test('backend cpu runs the native kernels when they are built, and doctor gives their thread count', async (t) => {
  const o = io();
  await doctor.run({ values: { json: true, backend: 'cpu', 'no-self-test': true }, positionals: [] }, o.io);
  const r = JSON.parse(o.out.join(''));
  assert.equal(r.backend, 'cpu');
  if (!r.native.available) return t.skip(`native kernels unavailable: ${r.native.reason}`);
  assert.equal(r.path, 'native');
  assert.equal(r.native.active, true);
  assert.ok(r.native.threads >= 1, JSON.stringify(r.native));
  // Plain tfjs cpu stays reachable for comparisons.
  const p = io();
  await doctor.run({ values: { json: true, path: 'cpu', 'no-self-test': true }, positionals: [] }, p.io);
  assert.equal(JSON.parse(p.out.join('')).path, 'cpu');
});
