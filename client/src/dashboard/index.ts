import * as vscode from 'vscode';
import type { JobEvent, JobInfo } from '../../../server/src/protocol';

export interface DashboardJobs {
  onEvent(listener: (e: JobEvent) => void): vscode.Disposable;
  cancel(jobId: string): Promise<void>;
  list(): JobInfo[];
}

export function registerDashboard(_context: vscode.ExtensionContext, _jobs: DashboardJobs): void {}
