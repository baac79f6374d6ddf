/* global document, window -- page.evaluate() callbacks run in the browser */
// The training dashboard: (1) its webview bundle in Chromium, fed job events as the host sends them:
// charts drawn, summary right, state restored after a reload; (2) in a real VS Code: a running job shows
// up, Cancel cancels it, and the dashboard closed and reopened still shows it.
// Exit 0 = passed, 1 = failed, 77 = tools missing.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { log, missingTools, repoRoot, runCommand, screenshot, startWorkbench } from './viewer-driver.mjs';

const missing = missingTools();
if (missing) {
  console.log(`dashboard e2e skipped: ${missing}`);
  process.exit(77);
}
const dist = path.join(repoRoot, 'media', 'dist');
let failed = false;
const steps = [];
async function step(name, fn) {
  try {
    await fn();
    steps.push(`ok   ${name}`);
  } catch (e) {
    failed = true;
    steps.push(`FAIL ${name}: ${e.message}`);
    log(`FAIL ${name}:`, e);
  }
}

// ---- 1. the webview bundle alone (needs media/dist built: vsce package / npm run build does it) ----
await step('charts from metrics events, state restored on reload', async () => {
  assert.ok(fs.existsSync(path.join(dist, 'dashboard.js')), 'media/dist/dashboard.js is built');
  const { chromium } = createRequire(path.join(repoRoot, 'package.json'))('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env.NNSEG_CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const boot = async (savedState) => {
      await page.setContent('<!DOCTYPE html><html><head></head><body><div id="app"></div></body></html>');
      await page.addStyleTag({ content: fs.readFileSync(path.join(dist, 'dashboard.css'), 'utf8') });
      // The VS Code webview API, recorded: what the page posts and the state it saves.
      await page.evaluate((s) => {
        window.__posted = [];
        window.__state = s;
        window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => window.__state, setState: (x) => (window.__state = x) });
      }, savedState);
      await page.addScriptTag({ content: fs.readFileSync(path.join(dist, 'dashboard.js'), 'utf8') });
    };
    await boot(undefined);
    assert.deepEqual(await page.evaluate(() => window.__posted), [{ type: 'ready' }]);
    const info = (id, state) => ({ id, kind: 'train', title: `Train ${id}`, state, queuedAt: '2026-01-01T00:00:00Z', result: { labelNames: ['liver', 'tumour'] } });
    // 30 epochs of nnU-Net-like curves: loss falling, Dice rising, polynomial LR decay.
    const points = Array.from({ length: 30 }, (_, e) => ({
      epoch: e,
      trainLoss: -0.2 - 0.5 * (1 - Math.exp(-e / 8)),
      valLoss: -0.15 - 0.45 * (1 - Math.exp(-e / 9)),
      pseudoDice: [0.5 + 0.45 * (1 - Math.exp(-e / 6)), 0.2 + 0.5 * (1 - Math.exp(-e / 10))],
      lr: 0.01 * (1 - e / 1000) ** 0.9,
      epochTime: 40 + (e % 3),
    }));
    const post = (m) => page.evaluate((x) => window.postMessage(x, '*'), m);
    await post({ type: 'snapshot', jobs: [{ info: info('j1', 'running'), points }] });
    await page.waitForFunction(() => document.getElementById('nnseg-dashboard').dataset.points === '30');
    assert.equal(await page.locator('.uplot').count(), 4, 'four charts');
    // The charts are drawn (not blank): their canvases have coloured pixels.
    const coloured = await page.evaluate(() =>
      [...document.querySelectorAll('.uplot canvas')].map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++;
        return n;
      }),
    );
    assert.ok(coloured.every((n) => n > 50), `every chart has coloured lines (${coloured})`);
    assert.match(await page.textContent('#chart-dice'), /liver/);
    assert.match(await page.textContent('#chart-dice'), /tumour/);
    assert.equal((await page.textContent('#state')).trim(), 'running');
    assert.equal(await page.isEnabled('#cancel'), true);
    // Mean pseudo-Dice is highest at the last epoch (29): (0.5+0.45(1-e^-29/6) + 0.2+0.5(1-e^-29/10)) / 2.
    const best = ((0.5 + 0.45 * (1 - Math.exp(-29 / 6)) + 0.2 + 0.5 * (1 - Math.exp(-29 / 10))) / 2).toFixed(4);
    assert.match(await page.textContent('#summary'), new RegExp(`epoch 29, mean pseudo-Dice ${best}`));
    // Live: one more epoch, then the job ends.
    await post({ type: 'metrics', jobId: 'j1', point: { epoch: 30, trainLoss: -0.71, valLoss: -0.6, pseudoDice: [0.95, 0.7], lr: 0.0097, epochTime: 39.5 } });
    await page.waitForFunction(() => document.getElementById('nnseg-dashboard').dataset.points === '31');
    assert.match(await page.textContent('[data-key="Epoch time"]'), /39\.5 s/);
    await page.locator('#cancel').click();
    assert.deepEqual((await page.evaluate(() => window.__posted)).at(-1), { type: 'cancel', jobId: 'j1' });
    await post({ type: 'job', info: info('j1', 'cancelled') });
    await page.waitForFunction(() => document.getElementById('nnseg-dashboard').dataset.state === 'cancelled');
    assert.equal(await page.isEnabled('#cancel'), false, 'no cancel for a finished job');
    await page.screenshot({ path: path.join(process.env.NNSEG_E2E_ARTIFACTS || path.join(repoRoot, 'test', 'e2e', 'artifacts'), 'dashboard-charts.png') });
    // Reload with the saved webview state: the host's snapshot brings the curves back, on the same job.
    const saved = await page.evaluate(() => window.__state);
    assert.deepEqual(saved, { selected: 'j1' });
    await boot(saved);
    await post({ type: 'snapshot', jobs: [{ info: info('j0', 'succeeded'), points: points.slice(0, 5) }, { info: info('j1', 'cancelled'), points }] });
    await page.waitForFunction(() => document.getElementById('nnseg-dashboard').dataset.job === 'j1');
    assert.equal(await page.evaluate(() => document.getElementById('nnseg-dashboard').dataset.points), '30');
  } finally {
    await browser.close();
  }
});

// ---- 2. in VS Code: a job (the backend's self-test job) and the Cancel button ----
await step('running job in VS Code: shown, cancelled from the dashboard, still there after reopening', async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-e2e-dash-'));
  fs.writeFileSync(path.join(ws, 'README.md'), 'dashboard e2e workspace\n');
  const wb = await startWorkbench(ws, 'dashboard');
  const { page } = wb;
  const dashFrame = async () => {
    for (let i = 0; i < 120; i++) {
      for (const f of page.frames()) {
        if (await f.evaluate(() => !!document.getElementById('nnseg-dashboard')).catch(() => false)) return f;
      }
      await page.waitForTimeout(250);
    }
    throw new Error('dashboard webview not found');
  };
  try {
    // The dashboard first: the self-test job lasts 5 s, less than a cold webview start plus the palette
    // under load. The open dashboard picks the job up from its first metrics.
    await runCommand(page, 'nnSeg: Show Training Dashboard');
    let f = await dashFrame();
    await runCommand(page, 'nnSeg: Run Self-Test Job');
    await f.waitForFunction(() => document.getElementById('nnseg-dashboard').dataset.state === 'running', null, { timeout: 20000 });
    await screenshot(page, 'dashboard-running.png');
    await f.click('#cancel');
    await f.waitForFunction(() => document.getElementById('nnseg-dashboard').dataset.state === 'cancelled', null, { timeout: 20000 });
    const job = await f.evaluate(() => document.getElementById('nnseg-dashboard').dataset.job);
    // Close the panel and open it again: the host kept the job.
    await runCommand(page, 'View: Close All Editors');
    await page.waitForFunction(() => !document.querySelector('.tabs-container .tab[aria-label*="nnSeg Training"]'), null, { timeout: 10000 });
    await runCommand(page, 'nnSeg: Show Training Dashboard');
    f = await dashFrame();
    await f.waitForFunction((id) => document.getElementById('nnseg-dashboard').dataset.job === id, job, { timeout: 20000 });
    assert.equal(await f.evaluate(() => document.getElementById('nnseg-dashboard').dataset.state), 'cancelled');
  } catch (e) {
    await screenshot(page, 'dashboard-fail.png').catch(() => undefined);
    throw e;
  } finally {
    await wb.close();
    fs.rmSync(ws, { recursive: true, force: true });
  }
});

console.log(steps.join('\n'));
process.exit(failed ? 1 : 0);
