import type { JobKind, NnsegSettings } from '../protocol';
import type { JobContext } from './context';

/** Everything a job process needs to run one job; plain data, sent over IPC. */
export interface JobSpec {
  id: string;
  kind: JobKind;
  /** Path of the *.nnseg.json the job runs from, if any. */
  configFile?: string;
  params: Record<string, unknown>;
  settings: NnsegSettings;
  workspaceFolders: string[];
  /** The job's own folder in the extension storage (logs, scratch). */
  jobDir: string;
}

export type JobRunner = (spec: JobSpec, ctx: JobContext) => Promise<unknown>;

interface KindEntry {
  title: string;
  /** Needs a valid experiment config; the queue refuses the job with the config's first error otherwise. */
  needsConfig: boolean;
  /** False while the engine stage behind it has not landed: the job is refused with "not available yet". */
  available: boolean;
  load(): { default: JobRunner };
}

/** Runner modules are loaded in the job process only, so the language server never loads the engine. */
export const jobKinds: Record<JobKind, KindEntry> = {
  check: { title: 'Check config', needsConfig: false, available: true, load: () => require('./runners/check') as typeof import('./runners/check') },
  fingerprint: { title: 'Extract fingerprint', needsConfig: true, available: true, load: () => require('./runners/plan') as typeof import('./runners/plan') },
  plan: { title: 'Plan and preprocess', needsConfig: true, available: true, load: () => require('./runners/plan') as typeof import('./runners/plan') },
  preprocess: { title: 'Preprocess', needsConfig: true, available: true, load: () => require('./runners/plan') as typeof import('./runners/plan') },
  train: { title: 'Train', needsConfig: true, available: false, load: () => require('./runners/train') as typeof import('./runners/train') },
  predict: { title: 'Predict', needsConfig: true, available: false, load: () => require('./runners/predict') as typeof import('./runners/predict') },
  evaluate: { title: 'Evaluate', needsConfig: false, available: true, load: () => require('./runners/evaluate') as typeof import('./runners/evaluate') },
  compare: { title: 'Compare predictions', needsConfig: true, available: true, load: () => require('./runners/compare') as typeof import('./runners/compare') },
  selftest: { title: 'Self-test (CPU load)', needsConfig: false, available: true, load: () => require('./runners/selftest') as typeof import('./runners/selftest') },
};
