#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const main = path.join(__dirname, '..', 'out', 'server', 'src', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write("nnseg: not built yet: run 'npm run build' (npm ci does it) in " + path.dirname(__dirname) + '\n');
  process.exit(1);
}
require(main).runCli(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write('nnseg: internal error: ' + (err && err.message) + '\n'); process.exitCode = 1; },
);
