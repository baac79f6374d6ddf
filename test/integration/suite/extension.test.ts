import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

suite('nnSeg extension', () => {
  const ws = vscode.workspace.workspaceFolders![0].uri;
  const config = vscode.Uri.joinPath(ws, 'broken.nnseg.json');

  test('activates on an experiment config and reports its diagnostics', async () => {
    const doc = await vscode.workspace.openTextDocument(config);
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'nnseg-config');
    const diags = await until(() => {
      const d = vscode.languages.getDiagnostics(config);
      return d.length > 0 && d;
    }, 30000, 'diagnostics');
    const fold = diags.find((d) => /Fold 9 does not exist/.test(d.message));
    assert.ok(fold, JSON.stringify(diags.map((d) => d.message)));
    assert.equal(doc.getText(fold!.range), '9');
  });

  test('completion offers schema properties', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'nnseg-config', content: '{\n  \n}\n' });
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(1, 2));
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('preset') && labels.includes('augmentation'), labels.join(','));
  });

  test('hover explains a knob with both presets', async () => {
    const doc = await vscode.workspace.openTextDocument(config);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(2, 6));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /crossValidation/);
  });

  test('a job started from a command runs in the backend and finishes', async () => {
    const ext = vscode.extensions.getExtension('nnseg.nnseg')!;
    const api = (await ext.activate()) as { tracker: { list(): { id: string; state: string }[] } };
    const id = (await vscode.commands.executeCommand('nnseg.runSelfTest')) as string;
    assert.ok(id, 'a job id');
    await until(() => api.tracker.list().find((j) => j.id === id && j.state === 'succeeded'), 30000, 'the self-test job to succeed');
  });

  test('the experiment schema is contributed for JSON validation', () => {
    const pkg = vscode.extensions.getExtension('nnseg.nnseg')!.packageJSON;
    assert.ok(pkg.contributes.jsonValidation.some((v: { url: string }) => path.basename(v.url) === 'experiment.schema.json'));
  });
});
