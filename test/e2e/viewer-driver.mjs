/* global document -- page.evaluate() callbacks run in the browser */
// Viewer-specific helpers on top of the shared harness (lib.mjs): the viewer's webview frame, Explorer
// multi-selection + context menu, VS Code's simple file dialog, Quick Open with retries.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { artifactsDir, focusWorkbench, log, missingTools as libMissing, installCommand, packageVsix, repoRoot, runCommand, startVsCode } from './lib.mjs';

export { artifactsDir, focusWorkbench, log, repoRoot, runCommand };

/** Why the tools are missing (the test exits 77 with it and the install command), or undefined. */
export function missingTools() {
  const m = libMissing();
  return m && `missing ${m}; install with: ${installCommand}`;
}

/** code-server with the packaged extension and `workspace` open, once the extension's commands are there. */
export async function startWorkbench(workspace, name = 'viewer', settings = {}) {
  const vscode = await startVsCode({ workspace, vsix: packageVsix(), name, settings: { 'security.workspace.trust.enabled': false, ...settings } });
  await waitForExtension(vscode.page);
  return vscode;
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
  // The first click also opens the file; wait for that before extending the selection, and check it.
  const selected = () => page.locator('.explorer-folders-view .monaco-list-row.selected').allTextContents();
  for (let attempt = 0; attempt < 3; attempt++) {
    await row(names[0]).click();
    await page.waitForTimeout(1000);
    for (const n of names.slice(1)) {
      await row(n).click({ modifiers: ['Control'] });
      await page.waitForTimeout(200);
    }
    const sel = await selected();
    if (names.every((n) => sel.some((t) => t.trim() === n))) break;
    log(`Explorer selection was ${JSON.stringify(sel)}, retrying`);
  }
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
