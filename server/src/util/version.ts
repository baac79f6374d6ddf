import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository/extension root (the folder holding package.json), found from this file's location. */
export const packageRoot: string = (() => {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'schemas'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the nnseg package root above ${__dirname}`);
    dir = up;
  }
})();

export const version: string = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version;
