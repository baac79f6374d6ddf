// Loading the addon never crashes the backend: disabled, missing, broken or library-less addons give
// available:false with one clear reason; the async ops run off the JS thread; bad arguments throw.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../../helpers/data';
import { addonPath } from '../../../server/src/engine/compute/native/addon';
import { native, skipNoNative } from './helpers';

const indexJs = path.resolve(__dirname, '..', '..', '..', 'server', 'src', 'engine', 'compute', 'native', 'index.js');
const tmp = tempDir('nnseg-native-');
after(() => tmp.cleanup());

function loadIn(env: Record<string, string>): { available: boolean; reason?: string } {
  const r = spawnSync(process.execPath, ['-e', `const n=require(${JSON.stringify(indexJs)}).loadNative();console.log(JSON.stringify({available:n.available,reason:n.reason}))`], {
    env: { ...process.env, ...env }, encoding: 'utf8',
  });
  assert.equal(r.status, 0, `child crashed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('NNSEG_NATIVE=0 disables the native path with a reason', () => {
  const r = loadIn({ NNSEG_NATIVE: '0' });
  assert.equal(r.available, false);
  assert.match(r.reason!, /NNSEG_NATIVE=0/);
});

test('a missing addon build gives a reason, not a crash', () => {
  const r = loadIn({ NNSEG_NATIVE: '', NNSEG_NATIVE_ADDON: path.join(tmp.dir, 'none.node') });
  assert.equal(r.available, false);
  assert.match(r.reason!, /not built.*npm install/);
});

test('a corrupt addon file gives a reason, not a crash', () => {
  const bad = path.join(tmp.dir, 'bad.node');
  fs.writeFileSync(bad, Buffer.from('this is not a shared object'));
  const r = loadIn({ NNSEG_NATIVE: '', NNSEG_NATIVE_ADDON: bad });
  assert.equal(r.available, false);
  assert.match(r.reason!, /bad\.node is not a loadable library: it is corrupt or truncated/);
});

test('a broken addon: the backend falls back to wasm with one warning; a never-built one falls back quietly', () => {
  const selectJs = path.join(path.dirname(indexJs), '..', 'select.js');
  const bad = path.join(tmp.dir, 'broken.node');
  fs.writeFileSync(bad, Buffer.from('not a shared object either'));
  const run = (addon: string) => spawnSync(process.execPath, ['-e', `const s=require(${JSON.stringify(selectJs)});(async()=>{for(let i=0;i<2;i++){const c=await s.selectCompute();console.log(c.path)}})()`], {
    env: { ...process.env, NNSEG_NATIVE: '', NNSEG_BACKEND: '', NNSEG_NATIVE_ADDON: addon }, encoding: 'utf8',
  });
  const r = run(bad);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['wasm', 'wasm']);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('native oneDNN kernels are unavailable'));
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(warnings[0], /using the wasm path: .*broken\.node is not a loadable library/);
  const q = run(path.join(tmp.dir, 'never-built.node'));
  assert.equal(q.status, 0, q.stderr);
  assert.ok(!q.stderr.includes('native oneDNN kernels are unavailable'), q.stderr);
});

test('an addon whose libdnnl.so is missing at run time gives a reason naming oneDNN', { skip: skipNoNative }, () => {
  const bin = fs.readFileSync(addonPath());
  const at = bin.indexOf('libdnnl.so.2');
  assert.ok(at > 0, 'the addon should link libdnnl.so.2');
  bin.write('libdnnX', at, 'latin1'); // same length, so the ELF stays valid but names a missing library
  const patched = path.join(tmp.dir, 'nolib.node');
  fs.writeFileSync(patched, bin);
  const r = loadIn({ NNSEG_NATIVE: '', NNSEG_NATIVE_ADDON: patched });
  assert.equal(r.available, false);
  assert.match(r.reason!, /nolib\.node needs could not be loaded \(libdnnX\.so\.2: .*\); install oneDNN/);
});

test('the loaded path reports oneDNN version, ISA and threads', { skip: skipNoNative }, () => {
  assert.match(native.version!, /^\d+\.\d+\.\d+$/);
  assert.ok(native.isa && native.isa !== 'unknown', native.isa);
  assert.ok(native.threads! >= 1);
  const info = native.addon!.info();
  native.setThreads(1);
  assert.equal(native.addon!.info().threads, 1);
  native.setThreads(info.threads);
  assert.equal(native.addon!.info().threads, info.threads);
});

const spec = (n: number, ci: number, co: number) => Int32Array.from([3, 2, ci, co, n, n, n, 3, 3, 3, n, n, n, 1, 1, 1, 1, 1, 1, 1, 1, 1]);

test('async ops give the sync result and leave the event loop running', { skip: skipNoNative }, async () => {
  const addon = native.addon!;
  const n = 48, ci = 16, co = 16;
  const x = Float32Array.from({ length: 2 * n ** 3 * ci }, (_, i) => Math.sin(i));
  const w = Float32Array.from({ length: 27 * ci * co }, (_, i) => Math.cos(i) / 27);
  const ySync = new Float32Array(2 * n ** 3 * co), yAsync = new Float32Array(2 * n ** 3 * co);
  addon.convForward(spec(n, ci, co), x, w, null, ySync);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const p = addon.convForwardAsync(spec(n, ci, co), x, w, null, yAsync);
  assert.ok(p instanceof Promise);
  for (let i = 0; i < 4; i++) await addon.convForwardAsync(spec(n, ci, co), x, w, null, yAsync);
  await p;
  clearInterval(timer);
  assert.ok(ticks > 0, 'timers should fire while the native work runs');
  assert.deepEqual(yAsync, ySync);
});

test('bad arguments throw (sync) or reject (async) with a message', { skip: skipNoNative }, async () => {
  const addon = native.addon!;
  const s = spec(4, 2, 3);
  const x = new Float32Array(2 * 64 * 2), w = new Float32Array(27 * 6), y = new Float32Array(2 * 64 * 3);
  assert.throws(() => addon.convForward(s, x, w, null, new Float32Array(5)), /y has 5 elements, expected 384/);
  assert.throws(() => addon.convForward(Int32Array.from([4, 1]), x, w, null, y), /spec/);
  assert.throws(() => addon.convForward(s, x, w, null, new Float64Array(384) as unknown as Float32Array), /Float32Array/);
  const bad = Int32Array.from(s);
  bad[10] = 9; // output size inconsistent with the padding
  assert.throws(() => addon.convForward(bad, x, w, null, y), /output size/);
  await assert.rejects(addon.convBackwardDataAsync(s, y, w, new Float32Array(3)), /dx has 3 elements/);
});
