import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CancelJobRequest, CheckConfigRequest, CONFIG_FILE_SUFFIX, hasConfigSuffix, StartJobRequest, type JobKind } from '../../server/src/protocol';
import type { JobTracker } from './jobs/tracker';
import { showReport } from './reports/reportPanel';

export interface CommandDeps {
  client: LanguageClient;
  tracker: JobTracker;
  log: vscode.LogOutputChannel;
}

/** The experiment config to act on: the active editor's, else the only one, else the user's pick. */
async function pickConfig(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && hasConfigSuffix(active.path)) return active;
  const found = await vscode.workspace.findFiles(`**/*${CONFIG_FILE_SUFFIX}`, '**/node_modules/**', 50);
  if (found.length === 1) return found[0];
  if (!found.length) {
    void vscode.window.showWarningMessage(`nnSeg: no experiment config (*${CONFIG_FILE_SUFFIX}) in this workspace. Create one to run jobs.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    found.map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(u), uri: u })),
    { placeHolder: 'Which experiment config?' },
  );
  return pick?.uri;
}

function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage('nnSeg runs no jobs in an untrusted workspace (language features only). Trust the workspace to run jobs.', 'Manage Workspace Trust').then((a) => {
    if (a) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}

async function startJob(deps: CommandDeps, kind: JobKind, configUri?: vscode.Uri, params?: Record<string, unknown>): Promise<string | undefined> {
  if (!requireTrust()) return undefined;
  try {
    const { job } = await deps.client.sendRequest(StartJobRequest, { kind, configUri: configUri?.toString(), params });
    deps.log.info(`[${job.id}] queued ${job.title}`);
    return job.id;
  } catch (err) {
    void vscode.window.showErrorMessage(`nnSeg: ${(err as Error).message}`);
    return undefined;
  }
}

async function pickFolder(title: string, defaultUri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const r = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, title, defaultUri });
  return r?.[0];
}

/** command id -> handler; registered in extension.ts. */
export function commandTable(deps: CommandDeps): Record<string, (...args: unknown[]) => unknown> {
  const withConfig = (kind: JobKind) => async (uri?: unknown) => {
    const config = uri instanceof vscode.Uri ? uri : await pickConfig();
    if (config) return startJob(deps, kind, config);
    return undefined;
  };
  return {
    'nnseg.checkConfig': async (uri?: unknown) => {
      const config = uri instanceof vscode.Uri ? uri : await pickConfig();
      if (!config) return undefined;
      const r = await deps.client.sendRequest(CheckConfigRequest, { uri: config.toString() });
      const name = path.basename(config.fsPath);
      if (!r.errors && !r.warnings) void vscode.window.showInformationMessage(`nnSeg: ${name} has no problems.`);
      else {
        void vscode.window.showWarningMessage(`nnSeg: ${name} has ${r.errors} error(s) and ${r.warnings} warning(s).`);
        void vscode.commands.executeCommand('workbench.actions.view.problems');
      }
      return r;
    },
    'nnseg.planAndPreprocess': withConfig('plan'),
    'nnseg.train': withConfig('train'),
    'nnseg.predict': withConfig('predict'),
    'nnseg.evaluate': async () => {
      const ref = await pickFolder('Reference segmentations (ground truth)');
      const pred = ref && (await pickFolder('Predicted segmentations'));
      if (ref && pred) return startJob(deps, 'evaluate', undefined, { ref: ref.fsPath, pred: pred.fsPath });
      return undefined;
    },
    'nnseg.compare': async (uri?: unknown) => {
      const id = await withConfig('compare')(uri);
      if (!id) return undefined;
      // The report opens when the job ends; the job's own notification says if it failed.
      const sub = deps.tracker.onEvent((e) => {
        if (e.type !== 'state' || e.job.id !== id || e.job.state === 'running' || e.job.state === 'queued') return;
        sub.dispose();
        const html = (e.job.result as { reportHtml?: string } | undefined)?.reportHtml;
        if (e.job.state === 'succeeded' && html) void showReport(html);
      });
      return id;
    },
    'nnseg.runSelfTest': () => startJob(deps, 'selftest', undefined, { seconds: 5 }),
    'nnseg.cancelJob': async () => {
      const active = deps.tracker.active();
      if (!active.length) return void vscode.window.showInformationMessage('nnSeg: no job is running or queued.');
      const pick = active.length === 1 ? { id: active[0].id } : await vscode.window.showQuickPick(active.map((j) => ({ label: j.title, description: j.state, id: j.id })), { placeHolder: 'Cancel which job?' });
      if (pick) await deps.client.sendRequest(CancelJobRequest, { id: pick.id });
      return undefined;
    },
    'nnseg.showLogs': () => deps.log.show(true),
  };
}
