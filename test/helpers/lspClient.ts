import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  ExitNotification,
  WorkDoneProgressCreateRequest,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { cliPath } from './data';
import type { InitOptions } from '../../server/src/protocol';

/** A real LSP client over stdio to `nnseg lsp --stdio`, as Neovim or Helix would run it. */
export class LspTestClient {
  readonly conn: ProtocolConnection;
  readonly proc: ChildProcess;
  private readonly diags = new Map<string, PublishDiagnosticsParams[]>();
  private readonly waiters: Array<{ uri: string; version?: number; resolve: (p: PublishDiagnosticsParams) => void }> = [];
  stderr = '';

  constructor(env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(process.execPath, [cliPath, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.proc.stderr!.on('data', (d) => (this.stderr += d));
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const list = this.diags.get(p.uri) ?? [];
      list.push(p);
      this.diags.set(p.uri, list);
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i];
        if (w.uri === p.uri && (w.version === undefined || p.version === w.version)) {
          this.waiters.splice(i, 1);
          w.resolve(p);
        }
      }
    });
    this.conn.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    this.conn.listen();
  }

  async initialize(rootDir: string, init: Partial<InitOptions> = {}, workDoneProgress = false): Promise<unknown> {
    const r = await this.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(rootDir).toString(),
      workspaceFolders: [{ uri: pathToFileURL(rootDir).toString(), name: 'ws' }],
      capabilities: { window: { workDoneProgress } },
      initializationOptions: { trusted: true, ...init },
    });
    await this.conn.sendNotification(InitializedNotification.type, {});
    return r;
  }

  /** Opens a document and resolves with its first diagnostics. */
  open(file: string, text: string, languageId = 'jsonc'): Promise<PublishDiagnosticsParams> {
    const uri = pathToFileURL(file).toString();
    const p = this.nextDiagnostics(uri, 1);
    void this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    return p;
  }

  change(file: string, version: number, text: string): Promise<PublishDiagnosticsParams> {
    const uri = pathToFileURL(file).toString();
    const p = this.nextDiagnostics(uri, version);
    void this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
    return p;
  }

  nextDiagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification(ExitNotification.type);
    } catch {
      // already gone
    }
    this.conn.dispose();
    await new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) return resolve();
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/** Finds the 0-based line/character of `needle` (its n-th occurrence) in text. */
export function positionOf(text: string, needle: string, nth = 0): { line: number; character: number } {
  let idx = -1;
  for (let i = 0; i <= nth; i++) idx = text.indexOf(needle, idx + 1);
  if (idx < 0) throw new Error(`'${needle}' not in text`);
  const before = text.slice(0, idx).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}
