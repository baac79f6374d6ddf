/* global document, window -- page.evaluate() callbacks run in the browser */
// Viewer benchmark in the real VS Code here (code-server + Chromium/SwiftShader via Playwright):
//  - open a generated 512x512x300 int16 CT-like .nii.gz: time to the first rendered frame
//  - frame time while scrolling slices, and while toggling a label of a 512x512x300 label overlay
// Targets: first frame < 2 s, scrolling/toggling < 16 ms per frame. The 2D views are drawn on the CPU;
// only the optional 3D view uses WebGL, which here is SwiftShader (software). SwiftShader is a software
// WebGL2 (no GPU here): the numbers are a pessimistic floor, a desktop GPU does the GL part far faster.
// With and without the backend's preview (a subsampled first frame while the full file travels), each in
// its own fresh code-server: cold = the first webview of that code-server, warm = opened again.
// Usage: node bench/viewer-bench.mjs [--runs 2] [--no-preview | --preview-only]     (or npm run bench -- viewer)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageVsix } from '../test/e2e/lib.mjs';
import { phantomDir, generate } from '../test/e2e/viewer-phantom.mjs';
import { closeAllEditors, explorerContext, log, missingTools, quickOpen, screenshot, startWorkbench, viewerFrame } from '../test/e2e/viewer-driver.mjs';

const missing = missingTools();
if (missing) {
  console.log(`viewer bench skipped: ${missing}`);
  process.exit(0);
}
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 2;
const cache = phantomDir;

const dataset = (f) => f.evaluate(() => ({ ...document.getElementById('nnseg-viewer').dataset }));

/** Waits for the full-resolution frame; returns the first frame's timing (preview or not) and the full one's. */
async function waitFrames(f) {
  await f.waitForFunction(() => document.getElementById('nnseg-viewer').dataset.fullFrameMs, null, { timeout: 120000 });
  const d = await dataset(f);
  return { first: JSON.parse(d.timing), full: JSON.parse(d.timingFull), frames: d.frames };
}

/** One code-server: the image opened cold (first webview), again warm, then with its label map. */
async function once(mode) {
  const { ct, seg } = generate();
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-bench-viewer-'));
  fs.symlinkSync(ct, path.join(ws, 'ct512.nii.gz'));
  fs.symlinkSync(seg, path.join(ws, 'ct512_seg.nii.gz'));
  // A negative threshold turns the preview off: the file goes straight to the webview as before.
  const wb = await startWorkbench(ws, 'viewer', mode === 'preview' ? {} : { 'nnseg.viewer.previewThresholdMB': -1 });
  const { page } = wb;
  const out = { mode };
  try {
    let t = Date.now();
    await quickOpen(page, 'ct512.nii.gz');
    // What the user waits for: from Enter in quick open (it returns just after; typing the name and
    // code-server's file search come before) to the first frame, extension activation included.
    const entered = Date.now();
    let f = await viewerFrame(page, 'ct512.nii.gz', { timeout: 120000, ready: false });
    await f.waitForFunction(() => document.getElementById('nnseg-viewer').dataset.timing, null, { timeout: 120000 });
    const firstWall = Date.now() - entered;
    out.cold = await waitFrames(f);
    out.cold.firstWallFromEnter = firstWall;
    out.cold.wallFromEnter = Date.now() - t;
    out.scroll = await f.evaluate(() => window.__nnseg.scroll(60));
    out.scrollFrames = await f.evaluate(() => window.__nnseg.scrollFrames(60));
    await screenshot(page, `bench-ct512-${mode}.png`);

    await closeAllEditors(page);
    await quickOpen(page, 'ct512.nii.gz');
    f = await viewerFrame(page, 'ct512.nii.gz', { timeout: 120000, ready: false });
    out.warm = await waitFrames(f);

    t = Date.now();
    await explorerContext(page, ['ct512.nii.gz', 'ct512_seg.nii.gz'], 'Preview Segmentation');
    f = await viewerFrame(page, /ct512\.nii\.gz \+ ct512_seg/, { timeout: 120000, ready: false });
    out.withOverlay = await waitFrames(f);
    await f.waitForFunction(() => Number(document.getElementById('nnseg-viewer').dataset.stats) >= 1, null, { timeout: 120000 });
    out.withOverlay.statsReadyWall = Date.now() - t;
    out.scrollWithOverlay = await f.evaluate(() => window.__nnseg.scroll(60));
    out.toggle = await f.evaluate(() => window.__nnseg.toggle(10, 1));
    await screenshot(page, `bench-ct512-seg-${mode}.png`);
  } finally {
    await wb.close();
    fs.rmSync(ws, { recursive: true, force: true });
  }
  return out;
}

// Package once for every code-server of this run.
const ownVsix = !process.env.NNSEG_E2E_VSIX;
if (ownVsix) process.env.NNSEG_E2E_VSIX = packageVsix();
const modes = process.argv.includes('--no-preview') ? ['direct'] : process.argv.includes('--preview-only') ? ['preview'] : ['preview', 'direct'];
const results = [];
for (let r = 0; r < runs; r++) {
  for (const mode of modes) {
    const load = os.loadavg()[0].toFixed(2);
    const res = await once(mode);
    res.load1 = load;
    results.push(res);
    log(`run ${r + 1} ${mode}: ${JSON.stringify(res)}`);
  }
}
if (ownVsix) fs.rmSync(process.env.NNSEG_E2E_VSIX, { force: true });
const ms = (x) => (x === undefined ? '?' : `${Math.round(x)} ms`);
const parts = (t) =>
  t.preview
    ? `preview: webview start ${ms(t.webviewStart)}, backend ${ms(t.backend)}, posted at ${ms(t.posted)}, transfer ${ms(t.transfer)}, decode ${ms(t.decode)}, draw ${ms(t.draw)}`
    : `webview start ${ms(t.webviewStart)}, host read ${ms(t.hostRead)}, bytes posted at ${ms(t.posted)}, transfer ${ms(t.transfer)}, decode ${ms(t.decode)}, draw ${ms(t.draw)}`;
console.log(`\nviewer benchmark (best of ${runs} per mode by cold first frame; load averages at start: ${results.map((r) => `${r.mode} ${r.load1}`).join(', ')}; ${os.cpus().length} cores; 2D views on the CPU, so no GPU needed; 3D via niivue on SwiftShader only when asked)`);
console.log(`512x512x300 int16 .nii.gz (${(fs.statSync(path.join(cache, 'ct512.nii.gz')).size / 1e6).toFixed(0)} MB gz); target: first frame < 2 s, scroll/toggle < 16 ms`);
for (const mode of modes) {
  const rs = results.filter((r) => r.mode === mode);
  const best = rs.reduce((a, b) => (b.cold.first.total < a.cold.first.total ? b : a));
  console.log(`\n[${mode === 'preview' ? 'with the preview' : 'without the preview (previewThresholdMB -1)'}]`);
  for (const [what, o] of [['cold (first webview)', best.cold], ['warm (second open)', best.warm], ['warm, with the label map', best.withOverlay]]) {
    const full = o.first.preview ? `; full resolution at ${ms(o.full.total)} (${parts(o.full)})` : '';
    console.log(`${what}: first frame ${ms(o.first.total)} (${parts(o.first)})${full}`);
  }
  console.log(`cold first frame from pressing Enter (activation included): ${rs.map((r) => `${r.cold.firstWallFromEnter} ms`).join(', ')}`);
console.log(`all runs, first frame cold / warm / overlay: ${rs.map((r) => `${r.cold.first.total}/${r.warm.first.total}/${r.withOverlay.first.total}`).join(', ')}; full-resolution frame: ${rs.map((r) => `${r.cold.full.total}/${r.warm.full.total}/${r.withOverlay.full.total}`).join(', ')}`);
  console.log(`label statistics ready after ${ms(best.withOverlay.statsReadyWall)} (from Enter)`);
  console.log(`scroll one slice (resample slice + draw canvas): median ${best.scroll.median.toFixed(1)} ms, p95 ${best.scroll.p95.toFixed(1)} ms; rAF interval median ${best.scrollFrames.median.toFixed(1)} ms`);
  console.log(`scroll with overlay: median ${best.scrollWithOverlay.median.toFixed(1)} ms, p95 ${best.scrollWithOverlay.p95.toFixed(1)} ms`);
  console.log(`toggle one label (rebuild LUT + redraw): median ${best.toggle.median.toFixed(1)} ms, p95 ${best.toggle.p95.toFixed(1)} ms`);
}
