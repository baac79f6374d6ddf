import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  ResponseError,
  ErrorCodes,
  type Connection,
  type InitializeParams,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CancelJobRequest,
  CheckConfigRequest,
  hasConfigSuffix,
  DidChangeSettingsNotification,
  ImagePreviewRequest,
  InspectImageRequest,
  JobEventNotification,
  LANGUAGE_ID,
  ListJobsRequest,
  ServerInfoRequest,
  StartJobRequest,
  type InitOptions,
  type JobInfo,
  type NnsegSettings,
} from '../protocol';
import { ConfigService } from './configService';
import { checkConfigFile, firstError } from './checkFile';
import { JobQueue } from '../jobs/queue';
import { jobKinds } from '../jobs/kinds';
import { inspectImage } from './inspectImage';
import { PreviewRunner } from './imagePreview';
import { IntegrityCache } from './integrity';
import { version } from '../util/version';
import { errorMessage } from '../util/errors';

/**
 * Configs are recognised by file name, whatever languageId the client sends (json, jsonc, ours); an
 * unsaved (untitled) document counts when the editor gave it our language.
 */
export function isConfigDocument(doc: { uri: string; languageId: string }): boolean {
  if (doc.languageId === LANGUAGE_ID) return true;
  let name = doc.uri;
  try {
    name = decodeURIComponent(doc.uri);
  } catch {
    // A malformed %-escape is the client's problem, not a reason to stop serving: match the raw URI.
  }
  return hasConfigSuffix(name);
}

/** A file URI's path; a URI Node cannot decode (bad %-escape, a host) is taken as written, not thrown. */
function uriToPath(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri.replace(/^file:\/\/[^/]*/, '');
  }
}

export function defaultStorageDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NNSEG_STORAGE) return env.NNSEG_STORAGE;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'nnseg');
}

/** Starts the nnSeg language server on a connection (stdio, node-ipc or socket, from argv). */
export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  const documents = new TextDocuments(TextDocument);
  const service = new ConfigService();
  const integrity = new IntegrityCache();
  let workspaceFolders: string[] = [];
  let settings: NnsegSettings = {};
  let trusted = true;
  let storageDir = defaultStorageDir();
  let canShowProgress = false;
  let queue: JobQueue | undefined;
  const progress = new Map<string, Promise<WorkDoneProgressServerReporter | undefined>>();

  // An unsaved document has no folder of its own: its relative paths resolve against the workspace.
  const pathContext = (uri: string) => ({
    configFile: uri.startsWith('file:') ? uriToPath(uri) : path.join(workspaceFolders[0] ?? process.cwd(), 'untitled.nnseg.json'),
    workspaceFolders,
    settings,
  });

  connection.onInitialize((params: InitializeParams) => {
    const opts = (params.initializationOptions ?? {}) as Partial<InitOptions>;
    trusted = opts.trusted ?? true;
    if (opts.storageDir) storageDir = opts.storageDir;
    settings = opts.settings ?? {};
    workspaceFolders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    if (!workspaceFolders.length && params.rootUri) workspaceFolders = [uriToPath(params.rootUri)];
    canShowProgress = params.capabilities.window?.workDoneProgress === true && !opts.ownProgressUi;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['"', ':', ' '] },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
      },
      serverInfo: { name: 'nnseg', version },
    };
  });

  // A result is moot once the document changed, closed or was reopened (a new document object, maybe
  // with the same version number): only the document as it is gets diagnostics.
  async function validate(doc: TextDocument): Promise<void> {
    if (!isConfigDocument(doc)) return;
    const v = doc.version;
    const current = () => documents.get(doc.uri) === doc && doc.version === v;
    try {
      const { diagnostics, pending } = await service.diagnose(doc, pathContext(doc.uri), { cache: integrity, wait: false });
      if (!current()) return;
      await connection.sendDiagnostics({ uri: doc.uri, version: v, diagnostics });
      // The dataset's integrity check finished in the background: publish again with its findings.
      if (pending)
        void pending.then(() => {
          if (current()) void validate(doc);
        });
    } catch (err) {
      connection.console.error(`nnseg: checking ${doc.uri} failed: ${errorMessage(err)}`);
    }
  }

  documents.onDidChangeContent((e) => void validate(e.document));
  documents.onDidClose((e) => void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }));

  connection.onCompletion(async (p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc || !isConfigDocument(doc)) return null;
    return service.complete(doc, p.position);
  });

  connection.onHover((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc || !isConfigDocument(doc)) return null;
    return service.hover(doc, p.position);
  });

  connection.onCodeAction((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc || !isConfigDocument(doc)) return [];
    return service.codeActions(doc, p.context.diagnostics);
  });

  connection.onNotification(DidChangeSettingsNotification, (p) => {
    settings = p.settings ?? {};
    trusted = p.trusted;
    for (const doc of documents.all()) void validate(doc);
  });

  function getQueue(): JobQueue {
    if (!queue) {
      queue = new JobQueue({ storageDir });
      queue.onEvent((e) => {
        void connection.sendNotification(JobEventNotification, e);
        if (e.type === 'state') reportProgress(e.job);
        else if (e.type === 'progress') {
          const percentage = e.fraction === undefined ? 0 : Math.round(e.fraction * 100);
          void progress.get(e.jobId)?.then((reporter) => reporter?.report(percentage, e.message ?? ''));
        }
      });
    }
    return queue;
  }

  // LSP work-done progress: the editor shows it (with a cancel button) without knowing nnSeg's events.
  // Creating it is a round trip: the job may end, or the client refuse, before the reporter exists, so
  // every later step chains on the creation (in order: begin, reports, done).
  function reportProgress(job: JobInfo): void {
    if (!canShowProgress) return;
    if (job.state === 'running' && !progress.has(job.id)) {
      const created = connection.window.createWorkDoneProgress().then(
        (reporter) => {
          reporter.begin(`nnSeg: ${job.title}`, 0, 'starting', true);
          reporter.token.onCancellationRequested(() => getQueue().cancel(job.id));
          return reporter;
        },
        (err) => {
          connection.console.warn(`nnseg: the client refused a progress bar for ${job.title}: ${errorMessage(err)}`);
          return undefined;
        },
      );
      progress.set(job.id, created);
    } else if (job.state !== 'running' && job.state !== 'queued') {
      const created = progress.get(job.id);
      progress.delete(job.id);
      void created?.then((reporter) => reporter?.done());
    }
  }

  connection.onRequest(StartJobRequest, async (p) => {
    if (!trusted) throw new ResponseError(ErrorCodes.InvalidRequest, 'This workspace is not trusted: nnSeg gives language features only and runs no jobs. Trust the workspace to run jobs.');
    // Own keys only: 'constructor' or 'toString' must not find Object's.
    const kind = Object.hasOwn(jobKinds, p.kind) ? jobKinds[p.kind] : undefined;
    if (!kind) throw new ResponseError(ErrorCodes.InvalidParams, `Unknown job kind '${p.kind}'.`);
    const configFile = p.configUri ? uriToPath(p.configUri) : undefined;
    if (kind.needsConfig && !configFile) throw new ResponseError(ErrorCodes.InvalidParams, `The '${p.kind}' job needs an experiment config (*.nnseg.json).`);
    if (configFile && kind.needsConfig) {
      const refused = firstError(await checkConfigFile(configFile, { workspaceFolders, settings }), path.basename(configFile));
      if (refused) throw new ResponseError(ErrorCodes.InvalidParams, refused);
    }
    if (!kind.available) throw new ResponseError(ErrorCodes.InvalidRequest, `${kind.title} is not available yet in this version of nnSeg.`);
    const job = getQueue().enqueue({ kind: p.kind, configFile, params: p.params, settings, workspaceFolders });
    return { job };
  });

  connection.onRequest(CancelJobRequest, (p) => ({ cancelled: getQueue().cancel(p.id) }));
  connection.onRequest(ListJobsRequest, () => ({ jobs: getQueue().list() }));
  connection.onRequest(ServerInfoRequest, () => ({ version, jobsAllowed: trusted, storageDir, pid: process.pid }));
  connection.onRequest(CheckConfigRequest, async (p) => {
    const r = await checkConfigFile(uriToPath(p.uri), { workspaceFolders, settings });
    return { errors: r.errors, warnings: r.warnings, diagnostics: r.diagnostics };
  });
  connection.onRequest(InspectImageRequest, (p) => inspectImage(uriToPath(p.path), p.full === true));
  const previews = new PreviewRunner();
  connection.onRequest(ImagePreviewRequest, (p, token) => previews.run({ ...p, path: uriToPath(p.path) }, token));

  connection.onShutdown(() => queue?.dispose());
  connection.onExit(() => queue?.dispose());

  documents.listen(connection);
  connection.listen();
  return connection;
}
