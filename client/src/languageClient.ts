import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, CloseAction, ErrorAction, State, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { CONFIG_FILE_SUFFIX, DidChangeSettingsNotification, JobEventNotification, ListJobsRequest, type InitOptions, type NnsegSettings } from '../../server/src/protocol';
import type { JobTracker } from './jobs/tracker';

const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

export function readSettings(): NnsegSettings {
  const c = vscode.workspace.getConfiguration('nnseg');
  return {
    backend: c.get('backend'),
    rawDir: c.get('rawDir') || undefined,
    preprocessedDir: c.get('preprocessedDir') || undefined,
    resultsDir: c.get('resultsDir') || undefined,
    threads: c.get('threads') || undefined,
  };
}

/**
 * Starts the nnSeg backend (`nnseg lsp` over node IPC) and keeps it alive: when the process dies the
 * running job is shown as failed with the reason and the backend is restarted (up to 5 times in 3
 * minutes, like vscode-languageclient's default, but saying what happened).
 */
export function createBackend(context: vscode.ExtensionContext, tracker: JobTracker, log: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath(path.join('bin', 'nnseg.js'));
  const serverOptions: ServerOptions = {
    run: { module, args: ['lsp'], transport: TransportKind.ipc },
    debug: { module, args: ['lsp'], transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const restarts: number[] = [];
  const init: InitOptions & { ownProgressUi: boolean } = {
    trusted: vscode.workspace.isTrusted,
    storageDir: context.globalStorageUri.fsPath,
    settings: readSettings(),
    ownProgressUi: true,
  };
  const clientOptions: LanguageClientOptions = {
    // By file name, whatever language the editor assigned (json, jsonc or ours).
    documentSelector: [
      { scheme: 'file', pattern: `**/*${CONFIG_FILE_SUFFIX}` },
      // VS Code gives our language to A.NNSEG.JSON too (its association ignores case); the glob does not.
      { scheme: 'file', language: 'nnseg-config' },
      { scheme: 'untitled', language: 'nnseg-config' },
    ],
    outputChannel: log,
    initializationOptions: init,
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        const failed = tracker.failActive('The nnSeg backend process stopped (it crashed or was killed) while this job was running.');
        const now = Date.now();
        while (restarts.length && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
        restarts.push(now);
        const what = failed.length ? ` ${failed.map((j) => j.title).join(', ')} did not finish.` : '';
        if (restarts.length > MAX_RESTARTS) {
          void vscode.window.showErrorMessage(`nnSeg: the backend stopped ${restarts.length} times in 3 minutes and will not be restarted.${what} See the nnSeg log.`, 'Show Logs').then((a) => a && log.show());
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        void vscode.window.showWarningMessage(`nnSeg: the backend process stopped and was restarted.${what}`, 'Show Logs').then((a) => a && log.show());
        return { action: CloseAction.Restart, handled: true };
      },
    },
  };
  const client = new LanguageClient('nnseg', 'nnSeg', serverOptions, clientOptions);
  client.onNotification(JobEventNotification, (e) => tracker.handle(e));
  client.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      void client.sendRequest(ListJobsRequest).then((r) => tracker.sync(r.jobs), () => undefined);
      void client.sendNotification(DidChangeSettingsNotification, { settings: readSettings(), trusted: vscode.workspace.isTrusted });
    }
  });
  return client;
}
