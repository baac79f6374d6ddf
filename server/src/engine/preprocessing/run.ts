/**
 * Preprocesses a raw dataset into the cache, configuration by configuration (nnU-Net's
 * DefaultPreprocessor.run): cases in parallel worker threads, cases already done with the same inputs and
 * settings skipped, every failing case reported (the others are kept).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type JobContext, silentContext, throwIfCancelled } from '../../jobs/context';
import { trainingCases } from '../dataset/cases';
import { declaredLabelValues, foregroundClasses, readDatasetJson } from '../dataset/datasetJson';
import { PLANS_FILE } from '../dataset/paths';
import { NnsegError } from '../../util/errors';
import { type Plans, resolveConfiguration } from '../planning/plans';
import { CACHE_FORMAT, casePaths, completeCaseMeta } from './cache';
import type { CaseSettings } from './case';
import { runPool } from './pool';
import type { PreprocessPayload, PreprocessResult } from './tasks';

export interface PreprocessOptions {
  /** The preprocessed dataset folder (holds nnsegPlans.json; cases go to <outDir>/<data_identifier>/). */
  outDir: string;
  /** Plans to use (default: <outDir>/nnsegPlans.json). */
  plans?: Plans;
  /** Configurations to preprocess (default: 2d, 3d_fullres and 3d_lowres, those the plans have). */
  configurations?: string[];
  /** Worker threads (default one per core, at most 8; 0 runs in this thread). */
  workers?: number;
  /** Recompute every case even when its cache entry is current. */
  force?: boolean;
}

export interface ConfigurationReport {
  configuration: string;
  dir: string;
  done: string[];
  skipped: string[];
  failed: { id: string; message: string; file?: string }[];
  /** Cases preprocessed with a warning (an empty label map). */
  warnings: { id: string; message: string; file?: string }[];
  seconds: number;
}

export interface PreprocessReport {
  outDir: string;
  configurations: ConfigurationReport[];
}

export const DEFAULT_CONFIGURATIONS = ['2d', '3d_fullres', '3d_lowres'];

export class PreprocessError extends NnsegError {
  constructor(message: string, file?: string) {
    super(message, file, 'EPREPROCESS');
  }
}

export function readPlans(outDir: string): Plans {
  const file = path.join(outDir, PLANS_FILE);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Plans;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PreprocessError(missing ? `${file}: no plans yet; run nnseg plan first.` : `${file}: not valid JSON (${(err as Error).message}).`, file);
  }
}

function fileStamp(f: string): [string, number, number] {
  try {
    const s = fs.statSync(f);
    return [f, s.size, Math.round(s.mtimeMs)];
  } catch {
    return [f, -1, 0];
  }
}

/** What a cached case depends on: its input files and the settings that change the preprocessed arrays. */
export function caseSignature(files: string[], s: CaseSettings): string {
  const c = s.configuration;
  const relevant = {
    format: CACHE_FORMAT,
    files: files.map(fileStamp),
    spacing: c.spacing,
    normalization_schemes: c.normalization_schemes,
    use_mask_for_norm: c.use_mask_for_norm,
    data: c.resampling_fn_data_kwargs,
    seg: c.resampling_fn_seg_kwargs,
    transpose: s.transposeForward,
    intensities: c.normalization_schemes.includes('CTNormalization') ? s.intensityProperties : null,
    classes: s.foregroundClasses,
  };
  return createHash('sha1').update(JSON.stringify(relevant)).digest('hex');
}

export async function preprocessDataset(rawDir: string, opts: PreprocessOptions, ctx: JobContext = silentContext()): Promise<PreprocessReport> {
  const dj = readDatasetJson(rawDir);
  const plans = opts.plans ?? readPlans(opts.outDir);
  const cases = trainingCases(rawDir, dj);
  const names = opts.configurations ?? DEFAULT_CONFIGURATIONS.filter((c) => c in plans.configurations);
  for (const n of names) {
    if (!(n in plans.configurations)) {
      throw new PreprocessError(`The plans have no configuration "${n}" (they have: ${Object.keys(plans.configurations).join(', ')}).`);
    }
  }
  const classes = foregroundClasses(dj);
  const jobs = names.map((name) => {
    const configuration = resolveConfiguration(plans, name);
    const settings: CaseSettings = {
      configuration,
      transposeForward: plans.transpose_forward,
      intensityProperties: plans.foreground_intensity_properties_per_channel,
      foregroundClasses: classes,
      declaredLabels: declaredLabelValues(dj),
    };
    const dir = path.join(opts.outDir, configuration.data_identifier);
    return { name, dir, settings };
  });
  // one pool over every (configuration, case) pair keeps the workers busy across configurations
  const todo: { job: number; payload: PreprocessPayload }[] = [];
  const reports: ConfigurationReport[] = jobs.map((j) => ({ configuration: j.name, dir: j.dir, done: [], skipped: [], failed: [], warnings: [], seconds: 0 }));
  jobs.forEach((j, ji) => {
    fs.mkdirSync(j.dir, { recursive: true });
    const ids = new Set(cases.map((c) => c.id));
    for (const f of fs.readdirSync(j.dir)) {
      // cases that left the dataset
      const m = /^(.*)\.(json|bin)$/.exec(f);
      if (m && !ids.has(m[1])) fs.rmSync(path.join(j.dir, f), { force: true });
    }
    for (const c of cases) {
      const signature = caseSignature([...c.images, c.label], j.settings);
      const meta = opts.force ? null : completeCaseMeta(j.dir, c.id);
      if (meta && meta.signature === signature) {
        reports[ji].skipped.push(c.id);
        continue;
      }
      todo.push({ job: ji, payload: { case: { id: c.id, images: c.images, label: c.label }, outDir: j.dir, settings: j.settings, signature } });
    }
  });
  const t0 = Date.now();
  const skipped = reports.reduce((a, r) => a + r.skipped.length, 0);
  const total = todo.length + skipped;
  ctx.progress(total ? skipped / total : 1, `preprocess ${skipped}/${total}${skipped ? ` (${skipped} already done)` : ''}`);
  await runPool<PreprocessResult>(
    'preprocess',
    todo.map((t) => t.payload),
    {
      workers: opts.workers,
      signal: ctx.signal,
      onSettled(i, o, done) {
        const t = todo[i];
        const r = reports[t.job];
        if (o.ok) {
          r.done.push(t.payload.case.id);
          for (const w of o.result.warnings) {
            r.warnings.push({ id: t.payload.case.id, ...w });
            ctx.log('warn', w.message);
          }
        } else {
          r.failed.push({ id: t.payload.case.id, message: o.message, file: o.file });
          ctx.log('error', o.message);
          // a failed case must not look complete
          fs.rmSync(casePaths(t.payload.outDir, t.payload.case.id).json, { force: true });
        }
        ctx.progress((skipped + done) / total, `preprocess ${skipped + done}/${total} (${jobs[t.job].name} ${t.payload.case.id})`);
      },
    },
  );
  throwIfCancelled(ctx);
  const seconds = (Date.now() - t0) / 1000;
  for (const r of reports) {
    r.done.sort();
    r.skipped.sort();
    r.seconds = seconds;
  }
  return { outDir: opts.outDir, configurations: reports };
}
