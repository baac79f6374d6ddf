/* global document, fetch -- page.evaluate() callbacks run in the browser; fetch is Node 20 global */
// Minimal code-server + Playwright driver for the viewer's end-to-end test and benchmark
// (stand-in until the shared test/e2e/lib.mjs lands). Based on ../shared/tools/vscode-e2e/example-e2e.js.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOT = process.env.NNSEG_E2E_ROOT ?? '/root/.cache/nnseg-e2e';
const RUN_CS = path.resolve(repoRoot, '..', 'shared', 'tools', 'vscode-e2e', 'run-cs.sh');
const CHROMIUM = process.env.NNSEG_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const artifactsDir = process.env.NNSEG_E2E_ARTIFACTS ?? path.join(repoRoot, 'test', 'e2e', 'artifacts');

const t0 = Date.now();
export const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);

/** Why the tools are missing (the test exits 77 with it), or undefined. */
export function missingTools() {
  const entry = path.join(ROOT, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!fs.existsSync(entry)) return `code-server not found under ${ROOT} (install: ROOT=${ROOT} bash ../shared/tools/vscode-e2e/install.sh)`;
  if (!fs.existsSync(RUN_CS)) return `${RUN_CS} not found`;
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install -y chromium)`;
  try {
    createRequire(import.meta.url).resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm install)';
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Copies the built extension (package.json, out/client, out/server, media/dist) into an empty extensions dir. */
function installExtension(extDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const dest = path.join(extDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  fs.mkdirSync(dest, { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(dest, 'package.json'));
  for (const rel of ['out/client', 'out/server', 'media/dist']) {
    const src = path.join(repoRoot, rel);
    if (fs.existsSync(src)) fs.cpSync(src, path.join(dest, rel), { recursive: true });
  }
  const nm = path.join(repoRoot, 'node_modules');
  if (fs.existsSync(nm)) fs.symlinkSync(nm, path.join(dest, 'node_modules'));
}

export function build() {
  for (const [cmd, args] of [
    ['npx', ['tsc', '-p', '.']],
    [process.execPath, ['media/build.mjs']],
  ]) {
    const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
  }
}

/** Starts code-server on a free loopback port with a fresh state dir, and Chromium on the workbench. */
export async function startWorkbench(workspace, { width = 1500, height = 950 } = {}) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-e2e-state-'));
  installExtension(path.join(state, 'ext'));
  fs.mkdirSync(path.join(state, 'ud', 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(state, 'ud', 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'chat.disableAIFeatures': true,
      'workbench.tips.enabled': false,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.ignoreRecommendations': true,
    }),
  );
  const port = await freePort();
  const cs = spawn('sh', [RUN_CS, workspace], {
    env: { ...process.env, ROOT, STATE: state, PORT: String(port) },
    detached: true,
    stdio: ['ignore', fs.openSync(path.join(state, 'cs.log'), 'w'), fs.openSync(path.join(state, 'cs.err'), 'w')],
  });
  const stop = async () => {
    try {
      process.kill(-cs.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await new Promise((r) => setTimeout(r, 300));
    try {
      process.kill(-cs.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    fs.rmSync(state, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (i > 100) {
      await stop();
      throw new Error(`code-server did not start: ${fs.readFileSync(path.join(state, 'cs.err'), 'utf8').slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const { chromium } = createRequire(import.meta.url)('playwright-core');
  const xdg = path.join(state, 'chrome-xdg');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: { ...process.env, XDG_CONFIG_HOME: path.join(xdg, 'config'), XDG_CACHE_HOME: path.join(xdg, 'cache') },
  });
  const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text().slice(0, 300));
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e).slice(0, 300)));
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60000 });
  await waitForExtension(page);
  return {
    page,
    consoleErrors,
    async close() {
      await browser.close().catch(() => undefined);
      await stop();
    },
  };
}

/** Waits until the palette lists the viewer's command: the extension's contributions are loaded. */
async function waitForExtension(page, title = 'nnSeg: Open Viewer') {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(title);
    await page.waitForTimeout(500);
    const found = await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).count();
    await page.keyboard.press('Escape');
    if (found) return;
    await page.waitForTimeout(1000);
  }
  throw new Error(`the extension's command "${title}" never appeared`);
}

export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(title);
  await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 15000 });
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

/** Quick Open (Ctrl+P) a workspace file by relative path: it opens in its default editor. */
export async function quickOpen(page, rel) {
  const base = path.posix.basename(rel);
  for (let attempt = 0; attempt < 3; attempt++) {
    await focusWorkbench(page);
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(rel);
    await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 15000 });
    await page.waitForTimeout(400);
    await page.keyboard.press('Enter');
    try {
      await page.waitForSelector(`.tabs-container .tab[aria-label*="${base}"]`, { timeout: 5000 });
      return;
    } catch {
      await page.keyboard.press('Escape');
    }
  }
  throw new Error(`Quick Open could not open ${rel}`);
}

/** Keyboard focus leaves a webview only when the workbench itself is clicked. */
export async function focusWorkbench(page) {
  await page.locator('.part.statusbar').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
}

/** Answers VS Code's own (simple) file dialog, which code-server shows as a quick input, with a path. */
export async function pickFileInDialog(page, file) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await page.waitForTimeout(300);
  await input.fill(file);
  await page.waitForTimeout(500);
  await page.keyboard.press('Enter');
}

export async function closeAllEditors(page) {
  await focusWorkbench(page);
  await runCommand(page, 'View: Close All Editors');
  await page.waitForTimeout(500);
}

/** The webview content frame whose <title> is `title` (string or RegExp) and whose viewer reports ready. */
export async function viewerFrame(page, title, { timeout = 60000, ready = true } = {}) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        const ok = await f.evaluate(
          ([t, needReady]) => {
            const el = document.getElementById('nnseg-viewer');
            const titleOk = t.startsWith('/') ? new RegExp(t.slice(1, -1)).test(document.title) : document.title === t;
            return !!el && titleOk && (!needReady || el.dataset.ready === '1' || !!el.dataset.error);
          },
          [title instanceof RegExp ? String(title) : title, ready],
        );
        if (ok) return f;
      } catch {
        /* detached or cross-origin in transition */
      }
    }
    await page.waitForTimeout(250);
  }
  const seen = [];
  for (const f of page.frames()) {
    seen.push(await f.evaluate(() => `${document.title} ${JSON.stringify(document.getElementById('nnseg-viewer')?.dataset ?? null)}`).catch(() => '?'));
  }
  throw new Error(`viewer frame "${title}" not ready after ${timeout} ms; frames: ${seen.filter((x) => x !== '?' && !x.startsWith(' ')).join(' | ').slice(0, 600)}`);
}

/** Selects explorer rows (first click, then ctrl-click) and runs a context-menu entry on the last one. */
export async function explorerContext(page, names, entry) {
  await focusWorkbench(page);
  const row = (n) => page.locator('.explorer-folders-view .monaco-list-row', { hasText: n }).first();
  await row(names[0]).click();
  for (const n of names.slice(1)) await row(n).click({ modifiers: ['Control'] });
  await row(names[names.length - 1]).click({ button: 'right' });
  const item = page.locator('.context-view .monaco-menu .action-item', { hasText: entry }).first();
  await item.waitFor({ state: 'visible', timeout: 10000 });
  // A click during the menu's opening is sometimes dropped: hover first, and fall back to Enter.
  await page.waitForTimeout(300);
  await item.hover();
  await item.click();
  const menu = page.locator('.context-view .monaco-menu');
  try {
    await menu.waitFor({ state: 'hidden', timeout: 1500 });
  } catch {
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: 3000 });
  }
}

export async function screenshot(page, name) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, name);
  await page.screenshot({ path: file });
  return file;
}
