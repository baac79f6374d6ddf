import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ImagePreviewResult, InspectImageResult } from '../../../server/src/protocol';
import { webviewHtml } from './html';
import type { CompareRole, HostToViewer, ViewerPrefs, ViewerSource, ViewerToHost } from './messages';
import { pairedImageName } from './niftiFiles';

export interface ViewerBackend {
  /** The backend's header check (`full`: also read the voxels, to explain a file the webview could not parse). */
  inspectImage(path: string, full?: boolean): Promise<InspectImageResult>;
  /** The backend's quick subsampled look at a large image (nnseg/imagePreview); optional. */
  imagePreview?(path: string, maxBytes: number, token: vscode.CancellationToken): Promise<ImagePreviewResult>;
}

export interface ViewerEnv {
  extensionUri: vscode.Uri;
  backend: ViewerBackend;
  log: vscode.OutputChannel;
  globalState: vscode.Memento;
}

export interface SessionSource {
  image: vscode.Uri;
  overlays: vscode.Uri[];
  compare?: { prediction: vscode.Uri; reference: vscode.Uri };
}

const PREFS_KEY = 'nnseg.viewer.prefs';
/** The backend's header check should be quick; past this the view goes on without label names. */
const INSPECT_TIMEOUT_MS = 15_000;
/** Files at least this large (MB on disk; setting nnseg.viewer.previewThresholdMB) get a preview first. */
const DEFAULT_PREVIEW_THRESHOLD_MB = 16;
/** Voxel bytes of the preview: about 0.2 s through code-server's webview channel. */
const PREVIEW_BYTES = 4 * 2 ** 20;
/**
 * How long after the webview is ready the full file waits for a preview that is not there yet. Both
 * travel through one channel, so a preview posted after the full file would only arrive after it.
 */
const PREVIEW_WAIT_MS = 3000;
/** How long the full file waits for the webview to say it drew the preview (so the frame is not stuck behind it). */
const PREVIEW_SHOWN_WAIT_MS = 1500;

/**
 * One viewer webview (custom editor or preview panel): reads the files with workspace.fs (so it works
 * over Remote-SSH), posts their bytes to the webview, which decodes and renders them, and asks the
 * backend for header checks and label names in parallel.
 */
export class ViewerSession implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly sent = new Set<string>();
  private ready = false;
  private readyAt = 0;
  private readonly queue: Array<() => Promise<void>> = [];
  private readonly openedAt = Date.now();
  /** File reads start at once, while the webview is still loading. */
  private readonly reads = new Map<string, Promise<{ bytes: Uint8Array; paired?: Uint8Array; readMs: number }>>();
  private readonly inspections = new Map<string, Promise<InspectImageResult>>();
  /** The preview request of the image; its result is null when none was asked for (a small file) or it failed. */
  private preview?: { id: string; result: Promise<ImagePreviewResult | null>; cancel: vscode.CancellationTokenSource };
  private readonly previewShown = new Map<string, () => void>();

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly env: ViewerEnv,
    private readonly source: SessionSource,
  ) {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(env.extensionUri, 'media', 'dist')] };
    // The page title is the panel's (file name, or "image + labels"): tests find their webview by it.
    webview.html = webviewHtml(webview, env.extensionUri, 'viewer', panel.title || path.basename(source.image.path));
    this.disposables.push(webview.onDidReceiveMessage((m: ViewerToHost) => this.onMessage(m)));
    for (const u of [source.image, ...source.overlays, ...(source.compare ? [source.compare.prediction, source.compare.reference] : [])]) {
      this.startRead(u);
    }
    this.startPreview(source.image);
    this.enqueue(() => this.sendVolume(source.image, 'image'));
    for (const o of source.overlays) this.enqueue(() => this.sendVolume(o, 'overlay'));
    if (source.compare) {
      const { prediction, reference } = source.compare;
      this.enqueue(() => this.sendVolume(prediction, 'overlay', 'prediction'));
      this.enqueue(() => this.sendVolume(reference, 'overlay', 'reference'));
      this.enqueue(async () => {
        this.post({ type: 'compare', predictionId: prediction.toString(), referenceId: reference.toString() });
      });
    }
  }

  /** The source as plain strings, for the panel serializer. */
  get plainSource(): ViewerSource {
    const s = this.source;
    return {
      image: s.image.toString(),
      overlays: s.overlays.map(String),
      compare: s.compare && { prediction: s.compare.prediction.toString(), reference: s.compare.reference.toString() },
    };
  }

  addOverlay(uri: vscode.Uri, compareRole?: CompareRole): void {
    if (!compareRole) this.source.overlays.push(uri);
    this.enqueue(() => this.sendVolume(uri, 'overlay', compareRole));
  }

  dispose(): void {
    this.preview?.cancel.cancel();
    this.preview?.cancel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue.push(job);
    if (this.ready) void this.drain();
  }

  private draining = false;
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length) {
        const job = this.queue.shift()!;
        try {
          await job();
        } catch (e) {
          this.post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private onMessage(m: ViewerToHost): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.readyAt = Date.now();
        this.post({ type: 'prefs', prefs: this.env.globalState.get<ViewerPrefs>(PREFS_KEY) ?? {} });
        void this.drain();
        break;
      case 'addOverlay':
        void this.pickOverlay();
        break;
      case 'explain': {
        const uri = vscode.Uri.parse(m.id);
        void this.inspect(uri, true).then((info) => {
          if (!info.ok) this.post({ type: 'info', id: m.id, ok: false, error: info.error });
        });
        break;
      }
      case 'savePrefs':
        void this.env.globalState.update(PREFS_KEY, { ...this.env.globalState.get<ViewerPrefs>(PREFS_KEY), ...m.prefs });
        break;
      case 'firstFrame':
        this.env.log.appendLine(`viewer: ${path.basename(vscode.Uri.parse(m.id).path)} ${m.preview ? 'preview' : 'full-resolution'} frame ${m.ms.toFixed(0)} ms after open`);
        break;
      case 'previewShown':
        this.previewShown.get(m.id)?.();
        break;
      case 'log':
        this.env.log.appendLine(`viewer ${m.level}: ${m.message}`);
        break;
    }
  }

  private async pickOverlay(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      title: 'Add a segmentation overlay',
      defaultUri: vscode.Uri.joinPath(this.source.image, '..'),
      canSelectMany: true,
      filters: { NIfTI: ['nii', 'gz', 'hdr'] },
      openLabel: 'Add overlay',
    });
    for (const uri of picked ?? []) this.addOverlay(uri);
  }

  private post(m: HostToViewer): void {
    void this.panel.webview.postMessage(m);
  }

  private startRead(uri: vscode.Uri) {
    const id = uri.toString();
    let r = this.reads.get(id);
    if (!r) {
      const t0 = Date.now();
      const pairedName = pairedImageName(path.posix.basename(uri.path));
      r = Promise.all([
        vscode.workspace.fs.readFile(uri),
        pairedName ? vscode.workspace.fs.readFile(vscode.Uri.joinPath(uri, '..', pairedName)) : Promise.resolve(undefined),
      ]).then(([bytes, paired]) => ({ bytes, paired, readMs: Date.now() - t0 }));
      // Keep an unobserved failure from being reported before sendVolume awaits it.
      r.catch(() => undefined);
      this.reads.set(id, r);
      this.inspections.set(id, this.inspect(uri));
    }
    return r;
  }

  private async sendVolume(uri: vscode.Uri, role: 'image' | 'overlay', compareRole?: CompareRole): Promise<void> {
    const id = uri.toString();
    const name = path.posix.basename(uri.path);
    const read = this.startRead(uri);
    const inspected = this.inspections.get(id)!.then((info) => {
      this.post({ type: 'info', id, ok: info.ok, error: info.error, labelNames: info.labelNames, isLabelMap: info.isLabelMap });
      return info;
    });
    if (role === 'image') await this.sendPreview(uri);
    let bytes: Uint8Array;
    let paired: Uint8Array | undefined;
    let readMs = 0;
    try {
      ({ bytes, paired, readMs } = await read);
    } catch (e) {
      const info = await inspected;
      const why = !info.ok && info.error ? info.error : `Cannot read ${name}: ${e instanceof Error ? e.message : String(e)}`;
      this.post({ type: 'error', id, message: why });
      return;
    }
    if (this.sent.has(id) && !compareRole) return;
    // One message per file: posting large files in parts was measured slower (code-server delivered a
    // 55 MB file in 13 parts in ~50 s, in one message in ~3 s).
    // workspace.fs hands out Node Buffers; their toJSON runs before VS Code's buffer-transfer replacer and
    // would turn the file into a JSON array of numbers. A plain Uint8Array view is transferred as bytes.
    bytes = plainBytes(bytes);
    paired = paired && plainBytes(paired);
    this.sent.add(id);
    this.post({
      type: 'volume',
      id,
      role,
      name,
      label: vscode.workspace.asRelativePath(uri),
      bytes,
      paired,
      compareRole,
      openedAt: this.openedAt,
      readyAt: this.readyAt,
      readMs,
      sentAt: Date.now(),
    });
  }

  /**
   * Asks the backend for a preview of a large image (file: URIs only: the backend reads the path). The
   * request starts with the panel, in parallel with the webview's start and the full read.
   */
  private startPreview(uri: vscode.Uri): void {
    const ask = this.env.backend.imagePreview;
    if (!ask || uri.scheme !== 'file') return;
    const threshold = vscode.workspace.getConfiguration('nnseg.viewer').get<number>('previewThresholdMB', DEFAULT_PREVIEW_THRESHOLD_MB);
    if (!(threshold >= 0)) return;
    const cancel = new vscode.CancellationTokenSource();
    const pairedName = pairedImageName(path.posix.basename(uri.path));
    const size = async (u: vscode.Uri) => (await vscode.workspace.fs.stat(u)).size;
    const result = (async () => {
      const bytes = (await size(uri)) + (pairedName ? await size(vscode.Uri.joinPath(uri, '..', pairedName)) : 0);
      if (bytes < threshold * 1e6 || cancel.token.isCancellationRequested) return null;
      return ask.call(this.env.backend, uri.fsPath, PREVIEW_BYTES, cancel.token);
    })().catch((e: unknown) => {
      // No backend or a failed read: the full file comes as it always does.
      this.env.log.appendLine(`viewer: no preview for ${path.basename(uri.fsPath)}: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    });
    this.preview = { id: uri.toString(), result, cancel };
  }

  /** Posts the preview if it comes in time, and waits (briefly) until the webview has drawn it. */
  private async sendPreview(uri: vscode.Uri): Promise<void> {
    const p = this.preview;
    if (!p || p.id !== uri.toString()) return;
    let timer: NodeJS.Timeout | undefined;
    const wait = Math.max(0, PREVIEW_WAIT_MS - (Date.now() - (this.readyAt || Date.now())));
    const r = await Promise.race([p.result, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), wait)))]);
    clearTimeout(timer);
    if (!r?.ok || !r.data || !r.dims || !r.affine || !r.fileDims || !r.fileAffine || !r.factors || !r.datatype) {
      this.preview = undefined;
      p.cancel.cancel();
      p.cancel.dispose();
      if (r && !r.ok && r.error !== 'cancelled') this.env.log.appendLine(`viewer: no preview for ${path.basename(uri.fsPath)}: ${r.error}`);
      else if (r === undefined) this.env.log.appendLine(`viewer: no preview for ${path.basename(uri.fsPath)}: not ready ${wait} ms after the view was`);
      return;
    }
    p.cancel.dispose();
    const shown = new Promise<void>((resolve) => {
      this.previewShown.set(p.id, resolve);
      timer = setTimeout(resolve, PREVIEW_SHOWN_WAIT_MS);
    });
    const buf = Buffer.from(r.data, 'base64');
    this.post({
      type: 'preview',
      id: p.id,
      name: path.posix.basename(uri.path),
      dims: r.dims,
      affine: r.affine,
      fileDims: r.fileDims,
      fileAffine: r.fileAffine,
      factors: r.factors,
      datatype: r.datatype,
      bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
      encoding: r.encoding,
      sclSlope: r.sclSlope ?? 1,
      sclInter: r.sclInter ?? 0,
      intentCode: r.intentCode ?? 0,
      frames: r.frames ?? 1,
      pixdim: r.pixdim ?? [1, 1, 1],
      openedAt: this.openedAt,
      readyAt: this.readyAt,
      sentAt: Date.now(),
      backendMs: r.ms?.total,
    });
    this.env.log.appendLine(
      `viewer: preview of ${path.basename(uri.fsPath)} ${r.dims.join('x')} (every ${r.factors.join('/')} voxels, ${(buf.byteLength / 1e6).toFixed(1)} MB gzip): backend ${r.ms?.total ?? '?'} ms, posted ${Date.now() - this.openedAt} ms after open`,
    );
    await shown;
    clearTimeout(timer);
    this.previewShown.delete(p.id);
    this.preview = undefined;
  }

  private async inspect(uri: vscode.Uri, full = false): Promise<InspectImageResult> {
    const p = uri.scheme === 'file' ? uri.fsPath : uri.toString();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.env.backend.inspectImage(p, full),
        new Promise<InspectImageResult>((resolve) => {
          timer = setTimeout(() => resolve({ ok: true }), INSPECT_TIMEOUT_MS);
        }),
      ]);
    } catch (e) {
      // No backend (not started, untrusted workspace): the webview's own reader still reports bad files.
      this.env.log.appendLine(`viewer: inspectImage failed for ${p}: ${e instanceof Error ? e.message : String(e)}`);
      return { ok: true };
    } finally {
      clearTimeout(timer);
    }
  }
}

function plainBytes(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
