import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jsonc from 'jsonc-parser';
import { defaultFor, schemaAt, type JsonPath, type Preset, type SchemaNode, deref, experimentSchema } from '../config/schema';
import { allowedRoots, isInside, resolveConfigPath, stageRoot, type PathContext } from '../config/paths';
import { probeDataset, type DatasetSummary } from './dataset';
import { strideMismatches, totalStrides } from '../engine/planning/topology';

/** One problem the schema cannot express, located at a JSON path of the config. */
export interface Finding {
  path: JsonPath;
  severity: 'error' | 'warning' | 'information';
  code: string;
  message: string;
  /** A quick fix that replaces the value at `path`. */
  fix?: { title: string; newText: string };
}

export interface SemanticResult {
  findings: Finding[];
  dataset?: DatasetSummary;
}

const RANGE_REFS = new Set(['range', 'nonNegativeRange', 'positiveRange']);

function fmt(v: unknown): string {
  return JSON.stringify(v);
}

function numberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

/** Walks the value and schema together for checks that depend on the kind of schema node. */
function walk(node: jsonc.Node, schema: SchemaNode | undefined, p: JsonPath, preset: Preset, out: Finding[]): void {
  if (!schema) return;
  const s = deref(schema);
  const value = jsonc.getNodeValue(node);
  const refName = s.$refName as string | undefined;
  if (refName === 'probability' && typeof value === 'number' && (value < 0 || value > 1 || !Number.isFinite(value))) {
    const d = defaultFor(s, preset);
    out.push({
      path: p,
      severity: 'error',
      code: 'probability-range',
      message: `Probability ${value} is outside [0, 1].`,
      fix: d !== undefined ? { title: `Use the default (${fmt(d)})`, newText: fmt(d) } : undefined,
    });
  }
  if (refName && RANGE_REFS.has(refName) && numberArray(value) && value.length === 2 && value[0] > value[1]) {
    out.push({
      path: p,
      severity: 'error',
      code: 'range-order',
      message: `Range low (${value[0]}) is greater than high (${value[1]}).`,
      fix: { title: `Swap to [${value[1]}, ${value[0]}]`, newText: fmt([value[1], value[0]]) },
    });
  }
  if (node.type === 'object' && s.properties) {
    for (const prop of node.children ?? []) {
      const [k, v] = prop.children ?? [];
      if (!k || !v) continue;
      const key = k.value as string;
      walk(v, Object.hasOwn(s.properties, key) ? s.properties[key] : undefined, [...p, key], preset, out);
    }
  } else if (node.type === 'array' && s.items) {
    (node.children ?? []).forEach((c, i) => walk(c, s.items, [...p, i], preset, out));
  }
  if (node.type === 'array' && s.uniqueItems === true) checkUnique(node, p, out);
}

/**
 * The schema's uniqueItems, checked here in linear time (json-languageservice compares every pair: a
 * pasted list of 100k labels took 80 s per keystroke) and reported on the repeated item itself.
 */
function checkUnique(node: jsonc.Node, p: JsonPath, out: Finding[]): void {
  const seen = new Map<string, number>();
  (node.children ?? []).forEach((c, i) => {
    const key = fmt(jsonc.getNodeValue(c));
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else out.push({ path: [...p, i], severity: 'error', code: 'duplicate-item', message: `${key} is listed twice (first at position ${first + 1}).` });
  });
}

function checkFolds(cfg: Record<string, unknown>, out: Finding[]): void {
  const cv = (cfg.crossValidation ?? {}) as Record<string, unknown>;
  const n = typeof cv.numFolds === 'number' ? cv.numFolds : (schemaAt(['crossValidation', 'numFolds'])?.default as number);
  if (!Array.isArray(cv.folds)) return;
  cv.folds.forEach((f, i) => {
    if (typeof f === 'number' && f >= n)
      out.push({ path: ['crossValidation', 'folds', i], severity: 'error', code: 'fold-index', message: `Fold ${f} does not exist: with numFolds ${n} the folds are 0 to ${n - 1}.` });
  });
}

/** The network's total stride per axis: from the plans when they exist, else the planner's isotropic rule. */
function networkStrides(patch: number[], plansStrides: unknown): { strides: number[]; fromPlans: boolean } {
  // The plans file is read as found: strides that are not one number per axis per stage are ignored.
  if (Array.isArray(plansStrides) && plansStrides.length && plansStrides.every((s) => numberArray(s) && s.length === patch.length)) {
    return { strides: totalStrides(plansStrides as number[][]), fromPlans: true };
  }
  // nnU-Net pools an axis while its feature map stays >= 2 * 4 voxels, so a patch edge p gets
  // floor(log2(p / 4)) poolings and must be divisible by 2^that.
  return { strides: patch.map((p) => 2 ** Math.max(0, Math.floor(Math.log2(p / 4)))), fromPlans: false };
}

function readPlansStrides(ctx: PathContext, cfg: Record<string, unknown>, dataset: DatasetSummary | undefined): unknown {
  if (!dataset) return undefined;
  // The same folder the Plan job writes to.
  const pre = stageRoot('preprocessed', typeof cfg.preprocessedDir === 'string' ? cfg.preprocessedDir : undefined, ctx);
  const file = path.join(pre, dataset.name, 'nnsegPlans.json');
  try {
    const plans = JSON.parse(fs.readFileSync(file, 'utf8'));
    const c = plans.configurations?.[(cfg.configuration as string) ?? '3d_fullres'];
    return c?.architecture?.arch_kwargs?.strides;
  } catch {
    return undefined;
  }
}

function checkPatch(cfg: Record<string, unknown>, ctx: PathContext, dataset: DatasetSummary | undefined, out: Finding[]): void {
  const planning = (cfg.planning ?? {}) as Record<string, unknown>;
  const patch = planning.patchSize;
  if (!numberArray(patch) || patch.some((p) => !Number.isInteger(p) || p < 1)) return;
  const conf = (cfg.configuration as string) ?? '3d_fullres';
  const want = conf === '2d' ? 2 : 3;
  if (patch.length !== want) {
    out.push({ path: ['planning', 'patchSize'], severity: 'error', code: 'patch-dims', message: `Configuration ${conf} needs a patch size of ${want} numbers, not ${patch.length}.` });
    return;
  }
  const { strides, fromPlans } = networkStrides(patch, readPlansStrides(ctx, cfg, dataset));
  const bad = strideMismatches(patch, strides);
  if (!bad.length) return;
  const fixed = patch.map((p, a) => Math.max(strides[a], Math.round(p / strides[a]) * strides[a]));
  const where = bad.join(', ');
  out.push({
    path: ['planning', 'patchSize'],
    severity: 'error',
    code: 'patch-stride',
    message: `Patch size is not divisible by the network's total stride: ${where}${fromPlans ? ' (strides from the plans)' : ' (assuming the planner pools each axis while it stays >= 8 voxels; plan the dataset for its exact topology)'}.`,
    fix: { title: `Use ${fmt(fixed)}`, newText: fmt(fixed) },
  });
}

function checkLabels(cfg: Record<string, unknown>, dataset: DatasetSummary | undefined, out: Finding[]): void {
  const ev = (cfg.evaluation ?? {}) as Record<string, unknown>;
  if (!dataset || !Array.isArray(ev.labels)) return;
  const names = Object.keys(dataset.labels);
  const values = new Set(Object.values(dataset.labels).flatMap((v) => (Array.isArray(v) ? v : [v])));
  ev.labels.forEach((l, i) => {
    if (typeof l === 'string' && !names.includes(l))
      out.push({ path: ['evaluation', 'labels', i], severity: 'error', code: 'unknown-label', message: `Unknown label '${l}': ${dataset.name}/dataset.json declares ${names.map((n) => `'${n}'`).join(', ')}.` });
    if (typeof l === 'number' && !values.has(l))
      out.push({ path: ['evaluation', 'labels', i], severity: 'error', code: 'unknown-label', message: `Label value ${l} is not declared in ${dataset.name}/dataset.json (values: ${[...values].join(', ')}).` });
  });
}

function checkInside(p: string, at: JsonPath, what: string, ctx: PathContext, roots: string[], out: Finding[]): void {
  if (!isInside(p, roots))
    out.push({ path: at, severity: 'error', code: 'path-outside', message: `${what} '${p}' is outside the workspace and the configured data folders (nnseg.rawDir, nnseg.preprocessedDir, nnseg.resultsDir or nnUNet_raw/nnUNet_preprocessed/nnUNet_results).` });
}

function checkPaths(cfg: Record<string, unknown>, ctx: PathContext, out: Finding[]): DatasetSummary | undefined {
  const roots = allowedRoots(ctx);
  let dataset: DatasetSummary | undefined;
  if (typeof cfg.dataset === 'string' && cfg.dataset.length) {
    const r = resolveConfigPath(cfg.dataset, ctx, 'raw');
    if (!r.exists) {
      out.push({ path: ['dataset'], severity: 'error', code: 'dataset-missing', message: `Dataset folder not found: ${r.tried.map((t) => `'${t}'`).join(' or ')}.` });
    } else {
      const before = out.length;
      checkInside(r.path, ['dataset'], 'Dataset folder', ctx, roots, out);
      if (out.length === before) {
        const probe = probeDataset(r.path);
        if (probe.ok) dataset = probe.dataset;
        else out.push({ path: ['dataset'], severity: 'error', code: 'dataset-invalid', message: `${probe.problem[0].toUpperCase()}${probe.problem.slice(1)}.` });
      }
    }
  }
  for (const key of ['resultsDir', 'preprocessedDir']) {
    const v = cfg[key];
    if (typeof v === 'string' && v.length) checkInside(resolveConfigPath(v, ctx).path, [key], key, ctx, roots, out);
  }
  const ev = (cfg.evaluation ?? {}) as Record<string, unknown>;
  const checkFile = (v: unknown, at: JsonPath, what: string) => {
    if (typeof v !== 'string' || !v.length) return;
    const r = resolveConfigPath(v, ctx);
    if (!r.exists) out.push({ path: at, severity: 'warning', code: 'path-missing', message: `${what} not found: '${r.path}'.` });
    else checkInside(r.path, at, what, ctx, roots, out);
  };
  if (Array.isArray(ev.compareWith))
    ev.compareWith.forEach((m, i) => {
      if (typeof m === 'object' && m !== null) checkFile((m as Record<string, unknown>).path, ['evaluation', 'compareWith', i, 'path'], 'Predictions folder');
    });
  checkFile(ev.mapping, ['evaluation', 'mapping'], 'Mapping file');
  return dataset;
}

/** Every semantic check on a parsed config. `value` is the parsed JSON (any shape: never throws). */
export function semanticChecks(tree: jsonc.Node | undefined, ctx: PathContext): SemanticResult {
  const findings: Finding[] = [];
  if (!tree || tree.type !== 'object') return { findings };
  const cfg = jsonc.getNodeValue(tree) as Record<string, unknown>;
  const preset: Preset = cfg.preset === 'baseline' ? 'baseline' : 'improved';
  walk(tree, experimentSchema(), [], preset, findings);
  checkFolds(cfg, findings);
  const dataset = checkPaths(cfg, ctx, findings);
  checkPatch(cfg, ctx, dataset, findings);
  checkLabels(cfg, dataset, findings);
  return { findings, dataset };
}
