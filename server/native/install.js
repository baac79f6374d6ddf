#!/usr/bin/env node
// Builds the oneDNN addon during `npm install` / `npm ci` when the oneDNN headers and a C++ compiler
// are present. Always exits 0 and prints one line: either where the addon is, or why it was not built
// (then nnSeg uses the wasm path). The full compiler output goes to build/install.log on failure.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const addon = path.join(here, 'build', 'Release', 'nnseg_native.node');
const say = (msg) => console.log(`nnseg native: ${msg}`);
const skip = (why) => {
  say(`not built, ${why}; the wasm path will be used`);
  process.exit(0);
};

if (process.env.NNSEG_NATIVE === '0') skip('NNSEG_NATIVE=0');

function findHeaders() {
  const roots = [process.env.DNNL_ROOT && path.join(process.env.DNNL_ROOT, 'include'), ...(process.env.CPATH || '').split(':'), '/usr/include', '/usr/local/include', '/opt/homebrew/include'];
  return roots.filter(Boolean).find((r) => fs.existsSync(path.join(r, 'oneapi', 'dnnl', 'dnnl.hpp')));
}
if (!findHeaders()) skip('oneDNN headers not found (install them with: apt-get install libdnnl-dev)');

const cxx = process.env.CXX || 'c++';
if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status !== 0) skip(`no C++ compiler (${cxx}) found (install build-essential)`);

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'share', 'nodejs', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package; the npm-bundled one is the usual case
  }
  return candidates.filter(Boolean).find((p) => fs.existsSync(p));
}
const gyp = findNodeGyp();
if (!gyp) skip('node-gyp not found (it ships with npm)');

// Use the running Node's own headers when they are installed next to it (Debian's /usr/include/node,
// official tarballs' include/node), so nothing is downloaded.
const prefix = path.resolve(path.dirname(process.execPath), '..');
const args = [gyp, 'rebuild'];
if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

const r = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', timeout: 600000 });
const log = `${r.stdout || ''}${r.stderr || ''}${r.error ? String(r.error) : ''}`;
if (r.status !== 0 || !fs.existsSync(addon)) {
  fs.mkdirSync(path.join(here, 'build'), { recursive: true });
  const logFile = path.join(here, 'build', 'install.log');
  fs.writeFileSync(logFile, log);
  const firstError = (log.match(/^.*(error|fatal).*$/im) || [''])[0].trim().slice(0, 160);
  skip(`the build failed${firstError ? ` (${firstError})` : ''}, full log in ${path.relative(process.cwd(), logFile)}`);
}

const check = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)}).info()`], { encoding: 'utf8' });
if (check.status !== 0) skip(`it built but does not load (${(check.stderr || '').split('\n').find((l) => /Error/.test(l)) || 'unknown error'})`);
say(`built ${path.relative(process.cwd(), addon)}`);
