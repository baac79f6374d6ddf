// `npm run bench -- <name> [args]`: runs out/bench/<name>.js (built from bench/<name>.ts), or all of them.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dir = path.join(root, 'out', 'bench');
const available = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.js') && !f.startsWith('_')).map((f) => f.slice(0, -3)) : [];
const [name, ...args] = process.argv.slice(2);
if (name && !available.includes(name)) {
  console.error(`bench: unknown benchmark '${name}'; available: ${available.join(', ') || '(none built: run npm run build)'}`);
  process.exit(2);
}
let failed = false;
for (const b of name ? [name] : available) {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(dir, `${b}.js`), ...args], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
