// The backbone in a real VS Code: a broken *.nnseg.json gets our diagnostics in the Problems panel,
// completion offers schema properties, hover explains a knob, an nnSeg command runs a job from the
// palette with progress, and killing the backend mid-job leaves the editor usable and says what happened.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { scenario, openFile, problems, runCommand, until, log, focusWorkbench, repoRoot, notificationsText } from './lib.mjs';

const { makeDataset } = createRequire(import.meta.url)(path.join(repoRoot, 'out', 'test', 'helpers', 'workspace.js'));
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-e2e-ws-'));
await makeDataset(ws, 'Dataset001_Liver', { background: 0, liver: 1 });
fs.writeFileSync(
  path.join(ws, 'broken.nnseg.json'),
  `{
  "dataset": "Dataset001_Liver",
  "crossValidation": { "numFolds": 5, "folds": [0, 7] },
  "augmentation": { "rotation": { "probability": 1.5 } },

  "evaluation": { "labels": ["spleen"] }
}
`,
);

// VS Code's language association ignores case; the language server must serve such a file too.
fs.writeFileSync(path.join(ws, 'Upper.NNSEG.JSON'), '{ "dataset": "Dataset001_Liver", "preset": "fancy" }\n');

// Only this VS Code's backend: its module lives in this scenario's own extensions folder.
let extDir = '';
function backendPids() {
  const r = spawnSync('pgrep', ['-f', `${extDir}/.*bin/nnseg.js lsp`], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number).filter((p) => p !== process.pid);
}

const ok = await scenario('config', { workspace: ws }, async ({ page, screenshot, state }) => {
  extDir = path.join(state, 'ext');
  // The packaged extension's own engine loads and computes (nothing it needs was left out of the .vsix).
  const installed = fs.readdirSync(extDir).find((d) => d.startsWith('nnseg.nnseg-'));
  const doctor = spawnSync(process.execPath, [path.join(extDir, installed, 'bin', 'nnseg.js'), 'doctor', '--json'], { encoding: 'utf8', timeout: 120000 });
  assert.equal(doctor.status, 0, doctor.stderr);
  const d = JSON.parse(doctor.stdout);
  assert.equal(d.selfTest.ok, true, JSON.stringify(d.selfTest));
  log(`installed .vsix engine: backend ${d.backend}, path ${d.path}, self-test ${d.selfTest.ms} ms`);
  await openFile(page, 'broken.nnseg.json');
  log('config open');
  const editor = page.locator('.editor-group-container.active .monaco-editor');
  await until(async () => (await editor.locator('.squiggly-error').count()) >= 3, 60000, 'error squiggles from the nnSeg language server');
  const rows = await until(async () => {
    const r = await problems(page);
    return r.some((t) => t.includes('Fold 7 does not exist')) && r.some((t) => t.includes("Unknown label 'spleen'")) && r;
  }, 30000, 'nnSeg diagnostics in the Problems panel');
  log('problems:', JSON.stringify(rows));
  assert.ok(rows.some((t) => /outside \[0, 1\]/.test(t)), 'probability diagnostic listed');
  await screenshot('problems');

  // Completion on the empty line 5 offers schema properties.
  await editor.click();
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.type('  "');
  await page.keyboard.press('Control+Space');
  const suggest = page.locator('.editor-widget.suggest-widget .monaco-list-row');
  const labels = await until(async () => {
    const t = await suggest.allTextContents();
    return t.length && t.join(' ').includes('preset') && t;
  }, 20000, 'completion items');
  log('completion:', labels.slice(0, 8).join(' | '));
  assert.ok(labels.join(' ').includes('configuration'));
  await screenshot('completion');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Z');
  await page.keyboard.press('Control+Z');

  // "nnSeg: Check Config" reports the errors.
  await runCommand(page, 'nnSeg: Check Config');
  await until(async () => (await page.locator('.notifications-toasts').textContent())?.includes('error(s)'), 20000, 'Check Config message');
  log('check config message shown');

  // A job from the palette: progress notification, status bar item, then done.
  await runCommand(page, 'nnSeg: Run Self-Test Job');
  await until(async () => (await page.locator('.notifications-toasts').textContent())?.includes('nnSeg: Self-test'), 20000, 'job progress notification');
  await until(async () => (await page.locator('.part.statusbar').textContent())?.includes('nnSeg: Self-test'), 20000, 'job status bar item');
  await screenshot('job-running');
  log('job running: notification and status bar item shown');

  // Kill the backend mid-job: the job shows as failed with the reason and the backend comes back.
  const pids = await until(async () => backendPids().length && backendPids(), 10000, 'backend process');
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  log('killed backend', pids.join(','));
  const note = await until(async () => {
    const t = await notificationsText(page);
    return t.includes('backend process stopped and was restarted') && t;
  }, 30000, 'backend restart message');
  assert.ok(note.includes('Self-test (CPU load) did not finish'), 'the message names the job that did not finish');
  assert.ok(!note.includes('Self-test (CPU load) failed'), 'one message for the crash, not a second "failed" one');
  await screenshot('backend-restarted');
  const after = await until(async () => {
    const now = backendPids();
    return now.length && !now.some((p) => pids.includes(p)) && now;
  }, 30000, 'a restarted backend');
  log('backend restarted as', after.join(','));
  // The restarted backend still serves the editor.
  await focusWorkbench(page);
  await runCommand(page, 'nnSeg: Check Config');
  await until(async () => (await page.locator('.notifications-toasts').textContent())?.includes('error(s)'), 20000, 'Check Config after restart');
  log('editor usable after the restart');

  // VS Code gives an upper-case name our language; the (restarted) server serves it.
  await openFile(page, 'Upper.NNSEG.JSON');
  await until(async () => (await problems(page)).some((t) => t.includes('Upper.NNSEG.JSON')), 30000, 'diagnostics for an upper-case config name');
  log('upper-case config name served');
});
fs.rmSync(ws, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
