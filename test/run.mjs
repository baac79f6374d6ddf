// The README's test command (`npm test`) after the build: runs every suite, says which were skipped
// and why, and ends with one summary line ("tests: N passed, N failed, N skipped").
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const only = process.argv.slice(2); // optional: suite names or file filters

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findTests(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const skippedSuites = [];

function runNodeTests(name, files) {
  if (files.length === 0) return;
  console.log(`\n=== ${name}: ${files.length} files`);
  const tap = path.join(root, 'out', `.${name}.tap`);
  const r = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
    { stdio: 'inherit', cwd: root, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  const num = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)`, 'm')) || [0, 0])[1]);
  const passed = num('pass');
  const failed = num('fail') + num('cancelled');
  const skipped = num('skipped') + num('todo');
  totals.passed += passed;
  totals.failed += failed + (r.status !== 0 && failed === 0 ? 1 : 0);
  totals.skipped += skipped;
}

// Suites that need tools this machine may lack exit 77 and print why, and the command that installs them.
function runScriptSuite(name, script) {
  const file = path.join(root, script);
  if (!fs.existsSync(file)) return;
  console.log(`\n=== ${name}`);
  const r = spawnSync(process.execPath, [file], { stdio: ['ignore', 'inherit', 'inherit'], cwd: root });
  if (r.status === 77) {
    totals.skipped += 1;
    skippedSuites.push(name);
  } else if (r.status === 0) totals.passed += 1;
  else {
    totals.failed += 1;
    console.log(`${name}: FAILED (exit ${r.status ?? r.signal})`);
  }
}

const want = (s) => only.length === 0 || only.includes(s);
const filter = (files) => {
  const f = only.filter((o) => !['unit', 'lsp', 'integration', 'e2e'].includes(o));
  return f.length ? files.filter((x) => f.some((o) => path.relative(root, x).includes(o))) : files;
};
if (want('unit') || only.some((o) => !['lsp', 'integration', 'e2e'].includes(o)))
  runNodeTests('unit', filter(findTests(path.join(root, 'out', 'test', 'unit'))));
if (want('lsp')) runNodeTests('lsp', filter(findTests(path.join(root, 'out', 'test', 'lsp'))));
if (want('integration')) runScriptSuite('integration (@vscode/test-electron)', 'out/test/integration/runTest.js');
if (want('e2e')) runScriptSuite('e2e (code-server + Chromium)', 'test/e2e/run.mjs');

if (skippedSuites.length) console.log(`\nSkipped suites: ${skippedSuites.join('; ')} (reasons above).`);
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = totals.failed > 0 ? 1 : 0;
