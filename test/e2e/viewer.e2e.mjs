/* global document, window -- page.evaluate() callbacks run in the browser */
// End-to-end test of the NIfTI viewer in a real VS Code (code-server + Chromium via Playwright).
// Exit 0 = passed, 1 = failed, 77 = tools missing (the reason and the install command are printed).
// Screenshots go to test/e2e/artifacts (or $NNSEG_E2E_ARTIFACTS).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  closeAllEditors,
  explorerContext,
  log,
  missingTools,
  pickFileInDialog,
  quickOpen,
  repoRoot,
  runCommand,
  screenshot,
  startWorkbench,
  viewerFrame,
} from './viewer-driver.mjs';

const corpus = process.env.NNSEG_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data', 'nifti');
const missing = missingTools() ?? (fs.existsSync(corpus) ? undefined : `NIfTI corpus not found at ${corpus}`);
if (missing) {
  console.log(`viewer e2e skipped: ${missing}`);
  process.exit(77);
}

// ---- workspace: real files from the corpus, plus a shifted copy of the lesion map, a corrupt file ----
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-e2e-viewer-'));
const niivue = path.join(corpus, 'gh-niivue');
for (const f of ['FLAIR.nii.gz', 'lesion.nii.gz', 'aal.nii.gz']) fs.copyFileSync(path.join(niivue, f), path.join(ws, f));
for (const f of ['gh-totalsegmentator/example_ct_sm.nii.gz', 'gh-totalsegmentator/example_seg.nii.gz', 'gh-niivue/torsoLabel.nii.gz']) {
  fs.copyFileSync(path.join(corpus, f), path.join(ws, path.basename(f)));
}
fs.mkdirSync(path.join(ws, 'space'));
const ORDERS = ['RAS', 'LAS', 'LPI', 'AIL', 'PSR', 'SAR', 'IRP'];
for (const o of ORDERS) fs.copyFileSync(path.join(niivue, 'nifti_space', `${o}.nii.gz`), path.join(ws, 'space', `${o}.nii.gz`));
{
  // lesion_shifted = lesion moved by +2 voxels along i (the file's first axis): a "prediction" whose
  // TP/FP/FN are known. lesion.nii.gz is uint8, 124x160x140, vox_offset 352.
  const raw = zlib.gunzipSync(fs.readFileSync(path.join(niivue, 'lesion.nii.gz')));
  const out = Buffer.from(raw);
  const nx = 124;
  const data = raw.subarray(352);
  const dst = out.subarray(352);
  for (let r = 0; r < data.length / nx; r++) {
    dst[r * nx] = 0;
    dst[r * nx + 1] = 0;
    for (let i = 2; i < nx; i++) dst[r * nx + i] = data[r * nx + i - 2];
  }
  fs.writeFileSync(path.join(ws, 'lesion_shifted.nii.gz'), zlib.gzipSync(out, { level: 1 }));
  // A truncated gzip stream: the view must say so instead of showing a blank panel.
  fs.writeFileSync(path.join(ws, 'corrupt.nii.gz'), fs.readFileSync(path.join(niivue, 'FLAIR.nii.gz')).subarray(0, 4000));
}

const viewerData = (f) => f.evaluate(() => ({ ...document.getElementById('nnseg-viewer').dataset }));
const snapshot = (f) => f.evaluate(() => window.__nnseg.snapshot(64, 64));
const colorPixels = (f) => f.evaluate(() => window.__nnseg.colorPixels());

function correlation(a, b) {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

async function gotoVoxel(f, ijk) {
  await f.fill('#goto', ijk.join(', '));
  await f.press('#goto', 'Enter');
  await f.waitForFunction((v) => document.getElementById('nnseg-viewer').dataset.vox === v, ijk.join(','), { timeout: 5000 });
}

let failed = false;
// NNSEG_E2E_VIEWER_PREVIEW_MB=0 sends every file through the backend's preview first (the corpus files
// are all under the default 16 MB threshold): the same assertions then hold after the swap.
const previewMb = process.env.NNSEG_E2E_VIEWER_PREVIEW_MB;
const wb = await startWorkbench(ws, 'viewer', previewMb === undefined ? {} : { 'nnseg.viewer.previewThresholdMB': Number(previewMb) });
const { page } = wb;
const steps = [];
async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
    steps.push(`ok   ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    log(`ok ${name}`);
  } catch (e) {
    failed = true;
    steps.push(`FAIL ${name}: ${e.message}`);
    log(`FAIL ${name}:`, e);
    await screenshot(page, `viewer-fail-${name.replace(/\W+/g, '-')}.png`).catch(() => undefined);
  }
}

try {
  await step('image with lesion overlay (Explorer: Preview Segmentation)', async () => {
    await explorerContext(page, ['FLAIR.nii.gz', 'lesion.nii.gz'], 'Preview Segmentation');
    const f = await viewerFrame(page, /^FLAIR\.nii\.gz \+ lesion\.nii\.gz$/);
    await f.waitForFunction(() => Number(document.getElementById('nnseg-viewer').dataset.stats) >= 1, null, { timeout: 30000 });
    // aal.nii.gz is on another grid (181x217x181 MNI): added from the palette, it must be refused with a message.
    await runCommand(page, 'nnSeg: Add Segmentation Overlay to Viewer');
    await pickFileInDialog(page, path.join(ws, 'aal.nii.gz'));
    await f.waitForFunction(() => (document.getElementById('nnseg-viewer').dataset.refused ?? '').includes('aal.nii.gz'), null, { timeout: 20000 });
    const d = await viewerData(f);
    assert.equal(d.error, undefined, `viewer error: ${d.error}`);
    assert.equal(d.cspViolations, undefined, 'no Content-Security-Policy violations');
    assert.equal(d.frames, previewMb === '0' ? 'preview;full;' : 'full;', 'drawn from the preview first only when asked to');

    const shot = await snapshot(f);
    assert.ok(shot.std > 10, `canvas is not blank (grey-level std ${shot.std.toFixed(1)})`);

    // Refused overlay: a note names the file and the reason.
    const notes = await f.textContent('#notes');
    assert.match(notes, /aal\.nii\.gz is not shown: it is not on the image's voxel grid/);

    // Legend statistics: voxel counts per label (nibabel: 1125, 27069, 4287; 1 mm isotropic, |det A| = 1).
    for (const [label, voxels] of [
      [1, '1,125'],
      [2, '27,069'],
      [3, '4,287'],
    ]) {
      assert.equal((await f.textContent(`.layer tr[data-label="${label}"] td.voxels`)).trim(), voxels);
    }
    assert.equal((await f.textContent('.layer tr[data-label="2"] td.mm3')).trim(), '27,069');

    // Crosshair readout at a known voxel. Expected values from nibabel at authoring time:
    //   FLAIR[31,37,70] = 198, lesion[31,37,70] = 1, affine @ (31,37,70,1) = (-25.67, -55.41, 23.69) mm.
    await gotoVoxel(f, [31, 37, 70]);
    assert.equal((await f.textContent('#ro-vox')).trim(), '31, 37, 70');
    assert.equal((await f.textContent('#ro-value')).trim(), '198');
    assert.equal((await f.textContent('#ro-mm')).trim(), '-25.7, -55.4, 23.7');
    assert.match(await f.textContent('#ro-labels'), /lesion\.nii\.gz\s*label 1 \(1\)/);
    //   FLAIR[62,80,70] = 170, no lesion there.
    await gotoVoxel(f, [62, 80, 70]);
    assert.equal((await f.textContent('#ro-value')).trim(), '170');
    assert.match(await f.textContent('#ro-labels'), /lesion\.nii\.gz\s*—/);

    // Toggling label 1 (the red lesion in this slice) changes the rendered pixels, and back.
    await gotoVoxel(f, [31, 37, 70]);
    await screenshot(page, 'viewer-flair-lesion-axial.png');
    const before = await colorPixels(f);
    await f.click('.layer tr[data-label="1"] input.label-visible');
    const hidden = await colorPixels(f);
    assert.ok(before - hidden > 200, `hiding label 1 removes coloured pixels (${before} -> ${hidden})`);
    await f.click('.layer tr[data-label="1"] input.label-visible');
    assert.equal(await colorPixels(f), before, 'showing label 1 again restores the frame');

    // Hovering shows the voxel under the pointer; going to that voxel reads the same intensity.
    const box = await f.locator('#view2d').boundingBox();
    await f.hover('#view2d', { position: { x: box.width * 0.45, y: box.height * 0.55 } });
    await f.waitForFunction(() => /^Pointer: \d+, \d+, \d+ · /.test(document.getElementById('ro-hover').textContent), null, { timeout: 5000 });
    const hover = (await f.textContent('#ro-hover')).match(/^Pointer: (\d+), (\d+), (\d+) · ([-\d.]+)/);
    assert.ok(hover, 'hover readout');
    await gotoVoxel(f, hover.slice(1, 4).map(Number));
    assert.equal((await f.textContent('#ro-value')).trim(), hover[4]);
    await gotoVoxel(f, [31, 37, 70]);

    // Outline mode draws fewer coloured pixels than fill.
    await f.check('#outline');
    const outline = await colorPixels(f);
    assert.ok(outline < before && outline > 0, `outline (${outline}) < fill (${before})`);
    await f.uncheck('#outline');

    await f.click('button[data-view="mpr3d"]');
    await page.waitForTimeout(500);
    await screenshot(page, 'viewer-flair-lesion-mpr3d.png');
    await f.click('button[data-view="axial"]');
  });

  await step('compare prediction with reference (Explorer: Compare Segmentations)', async () => {
    await closeAllEditors(page);
    await explorerContext(page, ['FLAIR.nii.gz', 'lesion.nii.gz', 'lesion_shifted.nii.gz'], 'Compare Segmentations');
    // Neither name says "reference": a quick pick asks.
    await page.locator('.quick-input-widget', { hasText: 'Which one is the reference' }).waitFor({ state: 'visible', timeout: 20000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'lesion.nii.gz' }).filter({ hasNotText: 'shifted' }).first().click();
    const f = await viewerFrame(page, /^Compare: FLAIR\.nii\.gz/);
    await f.waitForSelector('#cmp-table tr[data-label="2"]', { timeout: 30000 });
    // Expected from numpy at authoring time (pred = ref shifted +2 along i):
    //   label 1: TP 741 FP 384 FN 384 Dice 0.6587; label 2: 17577 9492 9492 0.6493; label 3: 2291 1861 1996 0.5430
    const expected = {
      1: ['741', '384', '384', '0.6587'],
      2: ['17,577', '9,492', '9,492', '0.6493'],
      3: ['2,291', '1,861', '1,996', '0.5430'],
    };
    for (const [label, [tp, fp, fn, dice]] of Object.entries(expected)) {
      const cells = await f.$$eval(`#cmp-table tr[data-label="${label}"] td`, (tds) => tds.map((t) => t.textContent.trim()));
      assert.deepEqual(cells.slice(2), [tp, fp, fn, dice], `label ${label}`);
    }
    assert.match(await f.textContent('#compare'), /prediction lesion_shifted\.nii\.gz · reference lesion\.nii\.gz/);
    await gotoVoxel(f, [70, 60, 79]);
    const colored = await colorPixels(f);
    assert.ok(colored > 100, 'TP/FP/FN colours on screen');
    await f.click('input.code-visible[data-code="1"]'); // hide true positives
    assert.ok((await colorPixels(f)) < colored, 'hiding TP changes the frame');
    await f.click('input.code-visible[data-code="1"]');
    await screenshot(page, 'viewer-compare.png');
  });

  await step('CT with its TotalSegmentator segmentation: CT window, label names from the header', async () => {
    await closeAllEditors(page);
    await explorerContext(page, ['example_ct_sm.nii.gz', 'example_seg.nii.gz'], 'Preview Segmentation');
    const f = await viewerFrame(page, /^example_ct_sm\.nii\.gz \+ example_seg\.nii\.gz$/);
    await f.waitForFunction(() => Number(document.getElementById('nnseg-viewer').dataset.stats) >= 1, null, { timeout: 30000 });
    assert.equal(await f.inputValue('#preset'), 'ct-soft', 'a CT (air at -1000 HU) opens in the soft-tissue window');
    assert.deepEqual([await f.inputValue('#ww'), await f.inputValue('#wl')], ['400', '40']);
    // Names come from the segmentation's own header extension (via the backend); nibabel: 41 labels, liver (5) 38634 voxels, 3 mm isotropic.
    await f.waitForFunction(() => document.querySelector('.layer tr[data-label="5"] td.name')?.textContent === 'liver', null, { timeout: 20000 });
    assert.equal(await f.locator('.layer tbody tr').count(), 41);
    assert.equal((await f.textContent('.layer tr[data-label="5"] td.voxels')).trim(), '38,634');
    assert.equal((await f.textContent('.layer tr[data-label="5"] td.mm3')).trim(), (38634 * 27).toLocaleString('en-US'));
    await screenshot(page, 'viewer-ct-totalseg.png');
    // A label map opened on its own is shown as labels, centred on them (torsoLabel: label 6 = 385168 voxels).
    await closeAllEditors(page);
    await quickOpen(page, 'torsoLabel.nii.gz');
    const t = await viewerFrame(page, 'torsoLabel.nii.gz');
    await t.waitForSelector('.layer tr[data-label="6"]', { timeout: 20000 });
    assert.equal((await t.textContent('.layer tr[data-label="6"] td.voxels')).trim(), '385,168');
    assert.ok((await colorPixels(t)) > 1000, 'the labels are on screen');
  });

  await step('corrupt file shows an error, not a blank panel', async () => {
    await closeAllEditors(page);
    await quickOpen(page, 'corrupt.nii.gz');
    const f = await viewerFrame(page, 'corrupt.nii.gz');
    const d = await viewerData(f);
    assert.ok(d.error, 'an error is shown');
    assert.match(d.error, /corrupt\.nii\.gz/);
    assert.ok(await f.isVisible('#error'));
    // The backend's full read of the file then explains it (its NIfTI reader's one sentence).
    await f.waitForFunction(() => /truncated gzip/.test(document.getElementById('error').textContent), null, { timeout: 20000 });
    await screenshot(page, 'viewer-corrupt.png');
  });

  await step('seven axis orders show the same anatomy at the same place', async () => {
    await closeAllEditors(page);
    const shots = {};
    for (const o of ORDERS) {
      await quickOpen(page, `space/${o}.nii.gz`);
      const f = await viewerFrame(page, new RegExp(`(^|/)${o}\\.nii\\.gz$`));
      await f.click('button[data-view="mpr"]');
      await page.waitForTimeout(200);
      shots[o] = await snapshot(f);
      if (o === 'RAS' || o === 'IRP') await screenshot(page, `viewer-space-${o}.png`);
    }
    const ref = shots.RAS.gray;
    assert.ok(shots.RAS.std > 10, 'RAS view not blank');
    for (const o of ORDERS.slice(1)) {
      const r = correlation(ref, shots[o].gray);
      const mad = ref.reduce((s, x, i) => s + Math.abs(x - shots[o].gray[i]), 0) / ref.length;
      log(`${o} vs RAS: correlation ${r.toFixed(4)}, mean |diff| ${mad.toFixed(2)} grey levels`);
      assert.ok(r > 0.98 && mad < 4, `${o} matches RAS (r=${r.toFixed(4)}, mad=${mad.toFixed(2)})`);
    }
    // Flipped orientation would not pass: mirror RAS left-right and check the test can tell.
    const w = shots.RAS.w;
    const mirrored = ref.map((_, i) => ref[Math.floor(i / w) * w + (w - 1 - (i % w))]);
    assert.ok(correlation(ref, mirrored) < 0.98, 'a left-right flip would be detected');
  });
} finally {
  const errs = wb.consoleErrors.filter((e) => /nnseg|viewer|niivue|webview/i.test(e));
  if (errs.length) log('console errors mentioning the viewer:', errs);
  await wb.close();
  fs.rmSync(ws, { recursive: true, force: true });
}
console.log(steps.join('\n'));
process.exit(failed ? 1 : 0);
