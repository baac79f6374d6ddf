// Runs every test/e2e/*.e2e.mjs in a real VS Code (code-server + Chromium). Exits 77 (skipped) with
// the reason and the install command when the tools are missing.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { missingTools, installCommand, packageVsix, repoRoot, artifactsDir } from './lib.mjs';

const missing = missingTools();
if (missing) {
  console.log(`e2e: skipped: missing ${missing}. Install with: ${installCommand}`);
  process.exit(77);
}
const dir = path.join(repoRoot, 'test', 'e2e');
const filter = process.env.NNSEG_E2E_FILTER;
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.e2e.mjs') && (!filter || f.includes(filter))).sort();
console.log(`e2e: packaging the extension (vsce package) for ${files.length} scenario file(s)`);
const vsix = packageVsix();
let passed = 0;
let failed = 0;
for (const f of files) {
  const t = Date.now();
  const r = spawnSync(process.execPath, [path.join(dir, f)], { stdio: 'inherit', env: { ...process.env, NNSEG_E2E_VSIX: vsix }, timeout: 10 * 60 * 1000 });
  const ok = r.status === 0;
  console.log(`${ok ? '✔' : '✖'} e2e ${f} (${((Date.now() - t) / 1000).toFixed(1)} s)${ok ? '' : ` exit ${r.status ?? r.signal}`}`);
  if (ok) passed++;
  else failed++;
}
fs.rmSync(vsix, { force: true });
console.log(`e2e: ${passed} passed, ${failed} failed; screenshots in ${artifactsDir}`);
process.exit(failed ? 1 : 0);
