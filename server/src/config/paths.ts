import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NnsegSettings } from '../protocol';

/** Where a config's relative paths are looked up, and which folders its paths may point into. */
export interface PathContext {
  configFile: string;
  /** Workspace folders (the editor's), or the current directory for the CLI. */
  workspaceFolders: string[];
  settings?: NnsegSettings;
  env?: NodeJS.ProcessEnv;
}

export interface DataRoots {
  raw?: string;
  preprocessed?: string;
  results?: string;
}

/** nnseg.* settings first, then nnU-Net's environment variables. */
export function dataRoots(ctx: Pick<PathContext, 'settings' | 'env'>): DataRoots {
  const env = ctx.env ?? process.env;
  const pick = (s: string | undefined, e: string | undefined) => (s && s.trim()) || (e && e.trim()) || undefined;
  return {
    raw: pick(ctx.settings?.rawDir, env.nnUNet_raw),
    preprocessed: pick(ctx.settings?.preprocessedDir, env.nnUNet_preprocessed),
    results: pick(ctx.settings?.resultsDir, env.nnUNet_results),
  };
}

/**
 * The path with every symlink resolved. A path that does not exist yet (a results folder to be made)
 * resolves through its nearest existing ancestor, and a dangling link through its target: otherwise
 * 'link/new', with link pointing outside, would look inside.
 */
function real(p: string, hops = 0): string {
  const rest: string[] = [];
  for (let dir = path.resolve(p); ; dir = path.dirname(dir)) {
    try {
      return path.join(fs.realpathSync(dir), ...rest);
    } catch {
      // not there (or a dangling link): try its target, else its parent
    }
    try {
      if (hops < 40 && fs.lstatSync(dir).isSymbolicLink()) return real(path.join(path.resolve(path.dirname(dir), fs.readlinkSync(dir)), ...rest), hops + 1);
    } catch {
      // not there at all
    }
    if (path.dirname(dir) === dir) return path.join(dir, ...rest);
    rest.unshift(path.basename(dir));
  }
}

/**
 * Where a stage writes: the config's own folder setting, else the nnseg.* setting (or nnU-Net's
 * environment variable), else a folder beside the config. Each holds one subfolder per dataset.
 */
export function stageRoot(kind: 'preprocessed' | 'results', own: string | undefined, ctx: PathContext): string {
  if (own) return resolveConfigPath(own, ctx).path;
  const root = dataRoots(ctx)[kind];
  return root ? path.resolve(root) : path.join(path.dirname(ctx.configFile), kind);
}

/** Folders a config may point into: the workspace folders and the configured data folders. */
export function allowedRoots(ctx: PathContext): string[] {
  const roots = ctx.workspaceFolders.length ? [...ctx.workspaceFolders] : [path.dirname(ctx.configFile)];
  const d = dataRoots(ctx);
  for (const r of [d.raw, d.preprocessed, d.results]) if (r) roots.push(r);
  return roots.map(real);
}

export function isInside(p: string, roots: string[]): boolean {
  const target = real(p);
  return roots.some((r) => target === r || target.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
}

/**
 * Resolves a path written in a config: absolute as is; relative against the config's folder, then (for
 * the dataset) against the raw data folder. Returns every candidate tried, for the error message.
 */
export function resolveConfigPath(p: string, ctx: PathContext, root?: keyof DataRoots): { path: string; exists: boolean; tried: string[] } {
  if (path.isAbsolute(p)) return { path: p, exists: fs.existsSync(p), tried: [p] };
  const tried = [path.resolve(path.dirname(ctx.configFile), p)];
  const base = root ? dataRoots(ctx)[root] : undefined;
  if (base) tried.push(path.resolve(base, p));
  const hit = tried.find((t) => fs.existsSync(t));
  return { path: hit ?? tried[0], exists: hit !== undefined, tried };
}
