// Bundles the webview sources (media/src/<name>/main.ts) into media/dist/<name>.js with esbuild:
// everything local, no CDN, loaded by the webviews under a strict CSP.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, 'src');
const entries = fs.existsSync(src)
  ? fs.readdirSync(src).filter((d) => fs.existsSync(path.join(src, d, 'main.ts'))).map((d) => ({ in: path.join(src, d, 'main.ts'), out: d }))
  : [];
if (entries.length) {
  await esbuild.build({
    entryPoints: entries,
    outdir: path.join(here, 'dist'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: process.env.NNSEG_DEV ? false : true,
    sourcemap: false,
    logLevel: 'warning',
  });
}
