/** Messages between the extension host and the training dashboard webview (media/src/dashboard). */
import type { JobInfo } from '../../../server/src/protocol';
import type { MetricPoint } from './metrics';

export interface DashboardJob {
  info: JobInfo;
  points: MetricPoint[];
}

export type HostToDashboard =
  /** Everything known, on open and after a reload. */
  | { type: 'snapshot'; jobs: DashboardJob[]; focus?: string }
  | { type: 'job'; info: JobInfo }
  | { type: 'metrics'; jobId: string; point: MetricPoint }
  | { type: 'focus'; jobId: string };

export type DashboardToHost = { type: 'ready' } | { type: 'cancel'; jobId: string };

/** What the webview keeps with setState: the job it shows. */
export interface DashboardState {
  selected?: string;
}
