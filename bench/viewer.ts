// `npm run bench -- viewer`: the viewer benchmark drives a real VS Code (code-server + Playwright),
// written as an ES module next to this file; this wrapper only runs it.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const r = spawnSync(process.execPath, [path.join(root, 'bench', 'viewer-bench.mjs'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
