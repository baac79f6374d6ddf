/* global document, window -- page.evaluate() callbacks run in the browser */
// End-to-end test of the viewer's progressive first frame in a real VS Code (code-server + Chromium):
// a 55 MB .nii.gz (over the 16 MB threshold) is first drawn from the backend's subsampled preview, then
// the full volume replaces it without resetting what the user did in between (crosshair, window/level,
// view, zoom), and the readout then shows the file's exact value at a known voxel.
// Exit 0 = passed, 1 = failed, 77 = tools missing.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { log, missingTools, quickOpen, screenshot, startWorkbench, viewerFrame } from './viewer-driver.mjs';
import { generate, readPhantom } from './viewer-phantom.mjs';

const missing = missingTools();
if (missing) {
  console.log(`viewer preview e2e skipped: ${missing}`);
  process.exit(77);
}

const { ct } = generate();
const phantom = readPhantom(ct);
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-e2e-viewer-preview-'));
fs.symlinkSync(ct, path.join(ws, 'ct512.nii.gz'));

const dataset = (f) => f.evaluate(() => ({ ...document.getElementById('nnseg-viewer').dataset }));
const text = async (f, sel) => (await f.textContent(sel)).trim();
const mm = (ijk) => [0, 1, 2].map((r) => (phantom.affine[r][0] * ijk[0] + phantom.affine[r][1] * ijk[1] + phantom.affine[r][2] * ijk[2] + phantom.affine[r][3]).toFixed(1)).join(', ');

let failed = false;
const wb = await startWorkbench(ws, 'viewer-preview');
const { page } = wb;
try {
  // Hold the full volume back in the webview until the test has acted on the preview (no race with
  // the ~4 s the full file takes here); it is still received and decoded meanwhile.
  await page.addInitScript(() => {
    window.__nnsegHoldFull = true;
  });
  await quickOpen(page, 'ct512.nii.gz');
  const f = await viewerFrame(page, 'ct512.nii.gz', { timeout: 120000, ready: false });
  await f.waitForFunction(() => document.getElementById('nnseg-viewer').dataset.resolution, null, { timeout: 120000 });
  assert.equal(await f.evaluate(() => window.__nnsegHoldFull), true, 'the hold reached the webview');
  let d = await dataset(f);
  assert.equal(d.frames, 'preview;', `the first frame is the preview (frames: ${d.frames})`);
  assert.equal(d.error, undefined, `viewer error: ${d.error}`);
  assert.match(await text(f, '#info-preview'), /preview 128 × 128 × 100 \(every 4 × 4 × 3 voxels\)/);
  log(`preview frame timing: ${d.timing}`);
  await screenshot(page, 'viewer-preview-frame.png');

  // While the preview is shown: go to a voxel, set a window, switch to coronal and zoom in.
  const V = [300, 200, 151];
  await f.fill('#goto', V.join(', '));
  await f.press('#goto', 'Enter');
  await f.waitForFunction((v) => document.getElementById('nnseg-viewer').dataset.vox === v, V.join(','), { timeout: 5000 });
  // The readout names the file's voxel; its value is the preview's nearest sample, file voxel
  // (4*75+1, 4*50+1, 3*50+1) = (301, 201, 151), and says so.
  const previewValue = await text(f, '#ro-value');
  const mmBefore = await text(f, '#ro-mm');
  assert.equal(await text(f, '#ro-vox'), V.join(', '));
  assert.equal(previewValue, `≈ ${phantom.value(301, 201, 151)} (preview)`);
  assert.equal(mmBefore, mm(V));
  await f.fill('#ww', '500');
  await f.press('#ww', 'Enter');
  await f.fill('#wl', '60');
  await f.press('#wl', 'Enter');
  await f.click('button[data-view="coronal"]');
  await f.focus('#view2d');
  await f.press('#view2d', '+');
  const zoomed = await f.evaluate(() => window.__nnseg.transforms());
  d = await dataset(f);
  assert.equal(d.resolution, 'preview', 'all of the above happened while the preview was shown');

  // The full file arrives after the preview frame was drawn (the host waits for it), then replaces it.
  await f.waitForFunction(() => document.getElementById('nnseg-viewer').dataset.received === 'preview;full;', null, { timeout: 120000 });
  d = await dataset(f);
  assert.ok(Number(d.previewFrameMs) <= Number(d.fullReceivedMs), `preview frame at ${d.previewFrameMs} ms, full data received at ${d.fullReceivedMs} ms`);
  log(`preview frame ${d.previewFrameMs} ms after open, full data received at ${d.fullReceivedMs} ms; releasing it`);
  await f.evaluate(() => window.__nnseg.releaseFull());
  await f.waitForFunction(() => document.getElementById('nnseg-viewer').dataset.resolution === 'full', null, { timeout: 120000 });
  d = await dataset(f);
  assert.equal(d.frames, 'preview;full;');
  // The user's state survived the swap, and the readout now reads the file itself.
  assert.equal(await text(f, '#ro-vox'), V.join(', '));
  assert.equal(await text(f, '#ro-mm'), mmBefore);
  assert.equal(await text(f, '#ro-value'), String(phantom.value(...V)));
  assert.deepEqual([await f.inputValue('#ww'), await f.inputValue('#wl')], ['500', '60']);
  assert.equal(d.view, 'coronal');
  assert.deepEqual(await f.evaluate(() => window.__nnseg.transforms()), zoomed);
  assert.ok(zoomed.coronal && zoomed.coronal.zoom > 1, `zoomed in (${JSON.stringify(zoomed)})`);
  assert.equal(await text(f, '#slice-label'), `${V[1] + 1} / 512`, 'coronal slice = file row j on the full grid');
  assert.equal(await f.locator('#info-preview').count(), 0, 'the info panel no longer says preview');
  const shot = await f.evaluate(() => window.__nnseg.snapshot(64, 64));
  assert.ok(shot.std > 10, `canvas is not blank (grey-level std ${shot.std.toFixed(1)})`);
  await screenshot(page, 'viewer-preview-full.png');
  // Another voxel, off the preview's sampling lattice (every 4th / 4th / 3rd voxel from 1, 1, 1).
  await f.fill('#goto', '250, 262, 140');
  await f.press('#goto', 'Enter');
  await f.waitForFunction(() => document.getElementById('nnseg-viewer').dataset.vox === '250,262,140', null, { timeout: 5000 });
  assert.equal(await text(f, '#ro-value'), String(phantom.value(250, 262, 140)));
  assert.equal(d.cspViolations, undefined, 'no Content-Security-Policy violations');
  log(`ok: preview at ${d.previewFrameMs} ms, full resolution at ${d.fullFrameMs} ms; state kept across the swap`);
} catch (e) {
  failed = true;
  log('FAIL', e);
  await screenshot(page, 'viewer-preview-fail.png').catch(() => undefined);
} finally {
  await wb.close();
  fs.rmSync(ws, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
