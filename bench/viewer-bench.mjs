/* global document, window -- page.evaluate() callbacks run in the browser */
// Viewer benchmark in the real VS Code here (code-server + Chromium/SwiftShader via Playwright):
//  - open a generated 512x512x300 int16 CT-like .nii.gz: time to the first rendered frame
//  - frame time while scrolling slices, and while toggling a label of a 512x512x300 label overlay
// Targets: first frame < 2 s, scrolling/toggling < 16 ms per frame. The 2D views are drawn on the CPU;
// only the optional 3D view uses WebGL, which here is SwiftShader (software). SwiftShader is a software
// WebGL2 (no GPU here): the numbers are a pessimistic floor, a desktop GPU does the GL part far faster.
// Usage: node bench/viewer-bench.mjs [--runs 2]     (or npm run bench -- viewer)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { explorerContext, log, missingTools, quickOpen, repoRoot, screenshot, startWorkbench, viewerFrame } from '../test/e2e/viewer-driver.mjs';

const missing = missingTools();
if (missing) {
  console.log(`viewer bench skipped: ${missing}`);
  process.exit(0);
}
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 2;
const cache = path.join(repoRoot, '.bench', 'viewer');
const [NX, NY, NZ] = [512, 512, 300];
const SPACING = [0.7, 0.7, 1.0];

/** A NIfTI-1 header (+4 extension bytes) for a RAS-aligned grid centred on the origin. */
function niftiHeader(datatype, bitpix, intent = 0) {
  const b = Buffer.alloc(352);
  b.writeInt32LE(348, 0);
  [3, NX, NY, NZ, 1, 1, 1, 1].forEach((d, i) => b.writeInt16LE(d, 40 + 2 * i));
  b.writeInt16LE(intent, 68);
  b.writeInt16LE(datatype, 70);
  b.writeInt16LE(bitpix, 72);
  [1, ...SPACING, 1, 1, 1, 1].forEach((p, i) => b.writeFloatLE(p, 76 + 4 * i));
  b.writeFloatLE(352, 108);
  b.writeFloatLE(1, 112); // scl_slope
  b.writeUInt8(10, 123); // xyzt_units: mm, s
  b.writeInt16LE(1, 252); // qform_code
  b.writeInt16LE(1, 254); // sform_code
  const origin = [-(NX - 1) / 2, -(NY - 1) / 2, -(NZ - 1) / 2].map((o, i) => o * SPACING[i]);
  b.writeFloatLE(origin[0], 268);
  b.writeFloatLE(origin[1], 272);
  b.writeFloatLE(origin[2], 276);
  const rows = [
    [SPACING[0], 0, 0, origin[0]],
    [0, SPACING[1], 0, origin[1]],
    [0, 0, SPACING[2], origin[2]],
  ];
  rows.forEach((r, k) => r.forEach((v, i) => b.writeFloatLE(v, 280 + 16 * k + 4 * i)));
  b.write('n+1\0', 344, 'latin1');
  return b;
}

/** CT-like phantom: air, body ellipse with noise, lungs, spine, organ ellipsoids (and their label map). */
function generate() {
  const ct = path.join(cache, 'ct512.nii.gz');
  const seg = path.join(cache, 'ct512_seg.nii.gz');
  if (fs.existsSync(ct) && fs.existsSync(seg)) return { ct, seg };
  fs.mkdirSync(cache, { recursive: true });
  log('generating the 512x512x300 phantom (once; cached in .bench/viewer)');
  const n = NX * NY * NZ;
  const img = new Int16Array(n);
  const lab = new Uint8Array(n);
  let s = 12345;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 4294967296) * 2 - 1;
  };
  const organs = [
    { c: [330, 300, 150], r: [70, 60, 60], hu: 60, label: 1 }, // liver
    { c: [190, 300, 150], r: [40, 35, 45], hu: 45, label: 2 }, // spleen
    { c: [200, 200, 150], r: [60, 70, 90], hu: -850, label: 3 }, // left lung
    { c: [320, 200, 150], r: [60, 70, 90], hu: -850, label: 4 }, // right lung
    { c: [256, 380, 150], r: [18, 18, 150], hu: 700, label: 5 }, // spine
  ];
  let idx = 0;
  for (let k = 0; k < NZ; k++) {
    for (let j = 0; j < NY; j++) {
      for (let i = 0; i < NX; i++, idx++) {
        const bx = (i - 256) / 200;
        const by = (j - 280) / 150;
        let v = -1000 + 5 * rnd();
        if (bx * bx + by * by < 1) {
          v = 40 + 15 * rnd();
          for (const o of organs) {
            const dx = (i - o.c[0]) / o.r[0];
            const dy = (j - o.c[1]) / o.r[1];
            const dz = (k - o.c[2]) / o.r[2];
            if (dx * dx + dy * dy + dz * dz < 1) {
              v = o.hu + 15 * rnd();
              lab[idx] = o.label;
            }
          }
        }
        img[idx] = Math.round(v);
      }
    }
  }
  const write = (file, hdr, data) => {
    const raw = Buffer.concat([hdr, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
    fs.writeFileSync(file, zlib.gzipSync(raw, { level: 6 }));
  };
  write(ct, niftiHeader(4, 16), img);
  write(seg, niftiHeader(2, 8, 1002), lab);
  log(`wrote ${ct} (${(fs.statSync(ct).size / 1e6).toFixed(1)} MB) and ${seg} (${(fs.statSync(seg).size / 1e6).toFixed(1)} MB)`);
  return { ct, seg };
}

async function waitFirstFrame(f) {
  await f.waitForFunction(() => document.getElementById('nnseg-viewer').dataset.firstFrameMs, null, { timeout: 120000 });
  return f.evaluate(() => JSON.parse(document.getElementById('nnseg-viewer').dataset.timing));
}

async function once() {
  const { ct, seg } = generate();
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-bench-viewer-'));
  fs.symlinkSync(ct, path.join(ws, 'ct512.nii.gz'));
  fs.symlinkSync(seg, path.join(ws, 'ct512_seg.nii.gz'));
  const wb = await startWorkbench(ws);
  const { page } = wb;
  const out = {};
  try {
    let t = Date.now();
    await quickOpen(page, 'ct512.nii.gz');
    let f = await viewerFrame(page, 'ct512.nii.gz', { timeout: 120000, ready: false });
    out.open = await waitFirstFrame(f);
    out.open.wallFromEnter = Date.now() - t;
    out.scroll = await f.evaluate(() => window.__nnseg.scroll(60));
    out.scrollFrames = await f.evaluate(() => window.__nnseg.scrollFrames(60));
    await screenshot(page, 'bench-ct512.png');

    t = Date.now();
    await explorerContext(page, ['ct512.nii.gz', 'ct512_seg.nii.gz'], 'Preview Segmentation');
    f = await viewerFrame(page, /ct512\.nii\.gz \+ ct512_seg/, { timeout: 120000, ready: false });
    out.openWithOverlay = await waitFirstFrame(f);
    await f.waitForFunction(() => Number(document.getElementById('nnseg-viewer').dataset.stats) >= 1, null, { timeout: 120000 });
    out.openWithOverlay.statsReadyWall = Date.now() - t;
    out.scrollWithOverlay = await f.evaluate(() => window.__nnseg.scroll(60));
    out.toggle = await f.evaluate(() => window.__nnseg.toggle(10, 1));
    await screenshot(page, 'bench-ct512-seg.png');
  } finally {
    await wb.close();
    fs.rmSync(ws, { recursive: true, force: true });
  }
  return out;
}

const results = [];
for (let r = 0; r < runs; r++) {
  const load = os.loadavg()[0].toFixed(2);
  const res = await once();
  res.load1 = load;
  results.push(res);
  log(`run ${r + 1}: ${JSON.stringify(res)}`);
}
const best = results.reduce((a, b) => (b.open.total < a.open.total ? b : a));
const ms = (x) => `${Math.round(x)} ms`;
console.log(`\nviewer benchmark (best of ${runs} by first frame; load averages at start: ${results.map((r) => r.load1).join(', ')}; ${os.cpus().length} cores; 2D views on the CPU, so no GPU needed; 3D via niivue on SwiftShader only when asked)`);
console.log(`open 512x512x300 int16 .nii.gz (${(fs.statSync(path.join(cache, 'ct512.nii.gz')).size / 1e6).toFixed(0)} MB gz) -> first frame: ${ms(best.open.total)}  (webview start ${ms(best.open.webviewStart)}, host read ${ms(best.open.hostRead)}, bytes posted at ${ms(best.open.posted)}, transfer ${ms(best.open.transfer)}, decode ${ms(best.open.decode)}, first draw ${ms(best.open.draw)}; Enter -> frame ${ms(best.open.wallFromEnter)})  target < 2 s`);
console.log(`scroll one slice (resample slice + draw canvas): median ${best.scroll.median.toFixed(1)} ms, p95 ${best.scroll.p95.toFixed(1)} ms; rAF interval median ${best.scrollFrames.median.toFixed(1)} ms  target < 16 ms`);
console.log(`image + 512x512x300 label overlay -> first frame: ${ms(best.openWithOverlay.total)}; label statistics ready after ${ms(best.openWithOverlay.statsReadyWall)}`);
console.log(`scroll with overlay: median ${best.scrollWithOverlay.median.toFixed(1)} ms, p95 ${best.scrollWithOverlay.p95.toFixed(1)} ms`);
console.log(`toggle one label (rebuild LUT + redraw): median ${best.toggle.median.toFixed(1)} ms, p95 ${best.toggle.p95.toFixed(1)} ms  target < 16 ms`);
