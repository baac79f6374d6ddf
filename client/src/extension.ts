import * as vscode from 'vscode';

export async function activate(_context: vscode.ExtensionContext): Promise<void> {
  // Filled in by the backbone: language client, commands, job UI, viewer.
}

export async function deactivate(): Promise<void> {}
