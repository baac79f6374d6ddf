import * as vscode from 'vscode';
import { registerDashboard } from './dashboard';
import { registerViewer } from './viewer';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // Filled in by the backbone: language client, commands, job UI, viewer.
  // viewer branch, temporary until the lead wires the language client: no backend yet.
  registerViewer(context, { inspectImage: async () => ({ ok: true }) });
  registerDashboard(context, { onEvent: () => new vscode.Disposable(() => undefined), cancel: async () => undefined, list: () => [] });
}

export async function deactivate(): Promise<void> {}
