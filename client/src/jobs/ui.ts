import * as vscode from 'vscode';
import type { JobInfo } from '../../../server/src/protocol';
import type { JobTracker } from './tracker';

/**
 * What a user sees of jobs: a progress notification with a cancel button per running job, a status
 * bar item while anything runs, log lines in the nnSeg log channel, and a message when a job ends.
 */
export function registerJobUi(tracker: JobTracker, log: vscode.LogOutputChannel, cancel: (id: string) => Promise<void>): vscode.Disposable {
  const status = vscode.window.createStatusBarItem('nnseg.jobs', vscode.StatusBarAlignment.Left, 10);
  status.name = 'nnSeg jobs';
  status.command = 'nnseg.showLogs';
  const open = new Map<string, { report(fraction?: number, message?: string): void; end(): void }>();

  function updateStatus(): void {
    const running = tracker.active().find((j) => j.state === 'running');
    const queued = tracker.active().filter((j) => j.state === 'queued').length;
    if (!running && !queued) return status.hide();
    const pct = running?.progress !== undefined ? ` ${Math.round(running.progress * 100)}%` : '';
    status.text = running ? `$(sync~spin) nnSeg: ${running.title}${pct}${queued ? ` (+${queued} queued)` : ''}` : `$(clock) nnSeg: ${queued} queued`;
    status.tooltip = running?.message ? `${running.title}: ${running.message}\nClick to show the logs.` : 'Click to show the nnSeg logs.';
    status.show();
  }

  function showProgress(job: JobInfo): void {
    if (open.has(job.id)) return;
    let last = 0;
    let finish!: () => void;
    const ended = new Promise<void>((r) => (finish = r));
    let reporter: vscode.Progress<{ message?: string; increment?: number }> | undefined;
    open.set(job.id, {
      report(fraction, message) {
        const now = fraction === undefined ? last : Math.round(fraction * 100);
        reporter?.report({ message, increment: now - last });
        last = now;
      },
      end: () => finish(),
    });
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `nnSeg: ${job.title}`, cancellable: true },
      async (progress, token) => {
        reporter = progress;
        token.onCancellationRequested(() => void cancel(job.id));
        await ended;
      },
    );
  }

  function ended(job: JobInfo): void {
    open.get(job.id)?.end();
    open.delete(job.id);
    if (job.state === 'failed') {
      if (tracker.lostWithBackend(job.id)) return;
      void vscode.window.showErrorMessage(`nnSeg: ${job.title} failed: ${job.error}`, 'Show Logs').then((a) => a && log.show(true));
    } else if (job.state === 'succeeded') {
      void vscode.window.setStatusBarMessage(`nnSeg: ${job.title} finished`, 5000);
    } else if (job.state === 'cancelled') {
      void vscode.window.setStatusBarMessage(`nnSeg: ${job.title} cancelled`, 5000);
    }
  }

  const sub = tracker.onEvent((e) => {
    switch (e.type) {
      case 'state':
        log.info(`[${e.job.id}] ${e.job.title}: ${e.job.state}${e.job.error ? ` (${e.job.error})` : ''}`);
        if (e.job.state === 'running') showProgress(e.job);
        else if (e.job.state !== 'queued') ended(e.job);
        break;
      case 'progress':
        open.get(e.jobId)?.report(e.fraction, e.message);
        break;
      case 'log': {
        const line = `[${e.jobId}] ${e.message}`;
        if (e.level === 'error') log.error(line);
        else if (e.level === 'warn') log.warn(line);
        else if (e.level === 'debug') log.debug(line);
        else if (e.level === 'trace') log.trace(line);
        else log.info(line);
        break;
      }
      case 'metrics':
        log.trace(`[${e.jobId}] metrics ${JSON.stringify(e.values)}`);
        break;
    }
    updateStatus();
  });

  return vscode.Disposable.from(status, sub, { dispose: () => open.forEach((o) => o.end()) });
}
