import * as vscode from 'vscode';
import type { JobEvent, JobInfo } from '../../../server/src/protocol';

/**
 * The client's mirror of the backend's jobs, fed by job events. Everything on the VS Code side that
 * shows jobs (progress notification, status bar, log channel, dashboard) listens here, because the
 * language client delivers each notification method to one handler only.
 */
export class JobTracker implements vscode.Disposable {
  private readonly jobs = new Map<string, JobInfo>();
  private readonly lost = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<JobEvent>();
  readonly onEvent = this.emitter.event;

  handle(e: JobEvent): void {
    if (e.type === 'state') this.jobs.set(e.job.id, { ...e.job });
    else if (e.type === 'progress') {
      const j = this.jobs.get(e.jobId);
      if (j) Object.assign(j, { progress: e.fraction, message: e.message });
    }
    this.emitter.fire(e);
  }

  /** Replaces the mirror with the backend's list (after a (re)start). */
  sync(list: JobInfo[]): void {
    for (const j of list) {
      const known = this.jobs.get(j.id);
      this.jobs.set(j.id, j);
      if (!known || known.state !== j.state) this.emitter.fire({ type: 'state', job: j });
    }
  }

  /** The backend died: whatever it was running did not finish. */
  failActive(reason: string): JobInfo[] {
    const failed: JobInfo[] = [];
    for (const j of this.jobs.values()) {
      if (j.state !== 'running' && j.state !== 'queued') continue;
      Object.assign(j, { state: 'failed', error: reason, endedAt: new Date().toISOString() });
      this.lost.add(j.id);
      failed.push(j);
      this.emitter.fire({ type: 'state', job: { ...j } });
    }
    return failed;
  }

  /** Failed because the backend died; the restart message already names it, so no second message. */
  lostWithBackend(id: string): boolean {
    return this.lost.has(id);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j }));
  }

  active(): JobInfo[] {
    return this.list().filter((j) => j.state === 'running' || j.state === 'queued');
  }

  get(id: string): JobInfo | undefined {
    return this.jobs.get(id);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
