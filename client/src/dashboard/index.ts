import * as vscode from 'vscode';
import type { JobEvent, JobInfo } from '../../../server/src/protocol';
import { webviewHtml } from '../viewer/html';
import type { DashboardJob, DashboardToHost, HostToDashboard } from './messages';
import { addPoint, metricPoint } from './metrics';

export { DashboardMetricKeys } from './metrics';
export type { MetricPoint } from './metrics';

export interface DashboardJobs {
  onEvent(listener: (e: JobEvent) => void): vscode.Disposable;
  cancel(jobId: string): Promise<void>;
  list(): JobInfo[];
}

export const DASHBOARD_VIEW_TYPE = 'nnseg.trainingDashboard';
const HISTORY_KEY = 'nnseg.dashboard.history';
/** Jobs kept in the dashboard's history (the most recent ones with metrics, and every active job). */
const KEEP_JOBS = 20;

/**
 * The training dashboard: live charts of the training metrics (see DashboardMetricKeys), job state
 * and a cancel button. The history is recorded from registration on, whether or not the panel is open,
 * and kept in workspaceState, so a reopened panel or a reloaded window shows the curves so far.
 *
 * Command nnseg.showTrainingDashboard(jobId?: string) opens it (on that job, or the latest one).
 */
export function registerDashboard(context: vscode.ExtensionContext, jobs: DashboardJobs): void {
  const history = new Map<string, DashboardJob>();
  for (const j of context.workspaceState.get<DashboardJob[]>(HISTORY_KEY) ?? []) history.set(j.info.id, j);
  for (const info of jobs.list()) history.set(info.id, { info, points: history.get(info.id)?.points ?? [] });

  let panel: vscode.WebviewPanel | undefined;
  let ready = false;
  let focus: string | undefined;
  const post = (m: HostToDashboard) => {
    if (panel && ready) void panel.webview.postMessage(m);
  };

  let saveTimer: NodeJS.Timeout | undefined;
  const persist = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      const kept = [...history.values()].filter((j) => j.points.length || j.info.kind === 'train').slice(-KEEP_JOBS);
      void context.workspaceState.update(HISTORY_KEY, kept);
    }, 2000);
  };

  context.subscriptions.push(
    jobs.onEvent((e) => {
      if (e.type === 'state') {
        const j = history.get(e.job.id) ?? { info: e.job, points: [] };
        j.info = e.job;
        history.set(e.job.id, j);
        post({ type: 'job', info: e.job });
        persist();
      } else if (e.type === 'progress') {
        const j = history.get(e.jobId);
        if (j) {
          j.info = { ...j.info, progress: e.fraction ?? j.info.progress, message: e.message ?? j.info.message };
          post({ type: 'job', info: j.info });
        }
      } else if (e.type === 'metrics') {
        const j = history.get(e.jobId) ?? { info: placeholder(e.jobId), points: [] };
        history.set(e.jobId, j);
        const point = metricPoint(e, (j.points[j.points.length - 1]?.epoch ?? -1) + 1);
        addPoint(j.points, point);
        post({ type: 'metrics', jobId: e.jobId, point });
        persist();
      }
    }),
    { dispose: () => clearTimeout(saveTimer) },
  );

  const attach = (p: vscode.WebviewPanel) => {
    panel = p;
    ready = false;
    p.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'media', 'dist')] };
    p.webview.html = webviewHtml(p.webview, context.extensionUri, 'dashboard', 'nnSeg Training');
    p.webview.onDidReceiveMessage(async (m: DashboardToHost) => {
      if (m.type === 'ready') {
        ready = true;
        post({ type: 'snapshot', jobs: [...history.values()], focus });
      } else if (m.type === 'cancel') {
        try {
          await jobs.cancel(m.jobId);
        } catch (e) {
          void vscode.window.showErrorMessage(`Could not cancel the job: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    });
    p.onDidDispose(() => {
      if (panel === p) panel = undefined;
    });
  };

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (p) => attach(p),
    }),
    vscode.commands.registerCommand('nnseg.showTrainingDashboard', (jobId?: unknown) => {
      focus = typeof jobId === 'string' ? jobId : latestJob(history);
      if (panel) {
        panel.reveal();
        if (focus) post({ type: 'focus', jobId: focus });
        return;
      }
      attach(
        vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'nnSeg Training', vscode.ViewColumn.Beside, {
          enableScripts: true,
          retainContextWhenHidden: true,
        }),
      );
    }),
  );
}

function placeholder(id: string): JobInfo {
  return { id, kind: 'train', title: id, state: 'running', queuedAt: new Date().toISOString() };
}

/** The running training job, else the last job with metrics. */
function latestJob(history: Map<string, DashboardJob>): string | undefined {
  const all = [...history.values()];
  return (all.find((j) => j.info.state === 'running' && j.info.kind === 'train') ?? all.filter((j) => j.points.length).pop())?.info.id;
}
