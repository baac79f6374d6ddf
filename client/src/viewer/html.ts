import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

/**
 * The HTML shell of a bundled webview (media/dist/<name>.js and .css) under a strict CSP:
 * scripts only with this page's nonce, styles only from the extension's own files, no network.
 * img-src allows data:/blob: because niivue ships its font atlas and matcap as data: URLs.
 * No 'unsafe-eval': neither niivue nor uPlot needs it (no eval/new Function in their bundles).
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, name: string, title: string): string {
  const nonce = crypto.randomBytes(18).toString('base64');
  const dist = vscode.Uri.joinPath(extensionUri, 'media', 'dist');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, `${name}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(dist, `${name}.css`));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    // niivue fetch()es its bundled data: URLs (font metrics) on start.
    `connect-src ${webview.cspSource} data: blob:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
