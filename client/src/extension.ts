import * as vscode from 'vscode';
import { commandTable } from './commands';
import { createBackend, readSettings } from './languageClient';
import { JobTracker } from './jobs/tracker';
import { registerJobUi } from './jobs/ui';
import { CancelJobRequest, DidChangeSettingsNotification, ImagePreviewRequest, InspectImageRequest } from '../../server/src/protocol';
import { registerDashboard } from './dashboard';
import { registerViewer } from './viewer';
import type { LanguageClient } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** The thin client: start the backend, register commands and the job UI. All heavy work is in the backend. */
export async function activate(context: vscode.ExtensionContext): Promise<{ client: LanguageClient; tracker: JobTracker; started: Promise<void> }> {
  const log = vscode.window.createOutputChannel('nnSeg', { log: true });
  const tracker = new JobTracker();
  client = createBackend(context, tracker, log);
  const c = client;
  context.subscriptions.push(log, tracker, registerJobUi(tracker, log, async (id) => void (await c.sendRequest(CancelJobRequest, { id }))));
  for (const [id, handler] of Object.entries(commandTable({ client: c, tracker, log }))) {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }
  // The NIfTI viewer (custom editor) and the training dashboard, fed by the same job events.
  registerViewer(context, {
    inspectImage: (path, full) => c.sendRequest(InspectImageRequest, { path, full }),
    imagePreview: (path, maxBytes, token) => c.sendRequest(ImagePreviewRequest, { path, maxBytes }, token),
  });
  registerDashboard(context, { onEvent: (l) => tracker.onEvent(l), cancel: async (id) => void (await c.sendRequest(CancelJobRequest, { id })), list: () => tracker.list() });
  const pushSettings = () => {
    if (c.isRunning()) void c.sendNotification(DidChangeSettingsNotification, { settings: readSettings(), trusted: vscode.workspace.isTrusted });
  };
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('nnseg') && pushSettings()),
    vscode.workspace.onDidGrantWorkspaceTrust(pushSettings),
  );
  // Not awaited: VS Code waits for activate() before it serves what triggered the activation (opening
  // an image in the viewer, say), which need not wait for a process start; requests made meanwhile
  // wait for the backend by themselves.
  const started = c.start().then(
    () => log.info(`nnSeg backend started (${context.extension.packageJSON.version}); workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: language features only'}.`),
    (e: Error) => log.error(`nnSeg backend did not start: ${e.message}`),
  );
  return { client: c, tracker, started };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
