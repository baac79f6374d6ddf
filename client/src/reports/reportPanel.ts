import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';

/**
 * Shows a report the backend wrote (self-contained HTML: one <style>, inline SVG, no scripts) in a
 * webview under a strict CSP. The file is read with workspace.fs, so it works over Remote-SSH.
 */
export async function showReport(file: string, title = path.basename(path.dirname(file))): Promise<vscode.WebviewPanel> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(file));
  const nonce = randomBytes(16).toString('base64');
  const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; img-src data:;">`;
  let html = Buffer.from(bytes).toString('utf8').replace(/<style>/g, `<style nonce="${nonce}">`);
  html = /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => `${m}${csp}`) : `${csp}${html}`;
  const panel = vscode.window.createWebviewPanel('nnseg.report', `nnSeg report: ${title}`, vscode.ViewColumn.Active, { enableScripts: false, retainContextWhenHidden: false });
  panel.webview.html = html;
  return panel;
}
