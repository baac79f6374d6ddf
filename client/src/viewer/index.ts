import * as path from 'node:path';
import * as vscode from 'vscode';
import type { InspectImageResult } from '../../../server/src/protocol';
import type { ViewerState } from './messages';
import { imageCandidatesForLabel, isNiftiName, looksLikeLabelName } from './niftiFiles';
import { SessionSource, ViewerBackend, ViewerEnv, ViewerSession } from './session';

export type { ViewerBackend } from './session';

/** The custom editor's view type (package.json contributes.customEditors). */
export const VIEWER_VIEW_TYPE = 'nnseg.niftiViewer';
/** Webview panels opened by the preview/compare commands (restored by a serializer). */
export const PREVIEW_VIEW_TYPE = 'nnseg.segmentationPreview';

const sessions = new Set<ViewerSession>();
let activeSession: ViewerSession | undefined;

/**
 * Registers the NIfTI viewer: the custom editor for *.nii / *.nii.gz / *.hdr and the commands
 *  - nnseg.openViewer(uri?)                                   open a file in the viewer
 *  - nnseg.previewSegmentation(image?: Uri, labels?: Uri[])   image with label overlays
 *    (from the Explorer: the clicked file and the selection; the label maps are told apart from the image)
 *  - nnseg.compareSegmentations(image?: Uri, prediction?: Uri, reference?: Uri)  TP/FP/FN + Dice per label
 *  - nnseg.viewer.addOverlay()                                add a label map to the active viewer
 * Every argument may be omitted (a file dialog asks).
 */
export function registerViewer(context: vscode.ExtensionContext, backend: ViewerBackend): void {
  const log = vscode.window.createOutputChannel('nnSeg Viewer');
  const env: ViewerEnv = { extensionUri: context.extensionUri, backend, log, globalState: context.globalState };
  context.subscriptions.push(log);

  const track = (s: ViewerSession) => {
    sessions.add(s);
    activeSession = s;
    s.panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) activeSession = s;
    });
    s.panel.onDidDispose(() => {
      sessions.delete(s);
      if (activeSession === s) activeSession = undefined;
      s.dispose();
    });
    return s;
  };

  const provider: vscode.CustomReadonlyEditorProvider = {
    openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
    resolveCustomEditor: (document, panel) => {
      track(new ViewerSession(panel, env, { image: document.uri, overlays: [] }));
    },
  };
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(VIEWER_VIEW_TYPE, provider, {
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: true,
    }),
  );

  const openPanel = (source: SessionSource, existing?: vscode.WebviewPanel) => {
    const title = [source.image, ...source.overlays, ...(source.compare ? [source.compare.prediction] : [])]
      .map((u) => path.posix.basename(u.path))
      .join(' + ');
    const panel =
      existing ??
      vscode.window.createWebviewPanel(PREVIEW_VIEW_TYPE, title, vscode.ViewColumn.Active, {
        enableScripts: true,
        retainContextWhenHidden: true,
      });
    panel.title = source.compare ? `Compare: ${title}` : title;
    return track(new ViewerSession(panel, env, source));
  };

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(PREVIEW_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: ViewerState | undefined) => {
        const s = state?.source;
        if (!s) {
          panel.dispose();
          return;
        }
        const parse = (x: string) => vscode.Uri.parse(x);
        openPanel(
          {
            image: parse(s.image),
            overlays: s.overlays.map(parse),
            compare: s.compare && { prediction: parse(s.compare.prediction), reference: parse(s.compare.reference) },
          },
          panel,
        );
      },
    }),
    vscode.commands.registerCommand('nnseg.openViewer', async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : await pickNifti('Open a NIfTI image in the viewer');
      if (target) await vscode.commands.executeCommand('vscode.openWith', target, VIEWER_VIEW_TYPE);
    }),
    vscode.commands.registerCommand('nnseg.previewSegmentation', async (first?: vscode.Uri, second?: vscode.Uri[]) => {
      const chosen = await chooseImageAndLabels(backend, first, second);
      if (chosen) openPanel({ image: chosen.image, overlays: chosen.labels });
    }),
    vscode.commands.registerCommand(
      'nnseg.compareSegmentations',
      async (first?: vscode.Uri, second?: vscode.Uri | vscode.Uri[], third?: vscode.Uri) => {
        const chosen = await chooseCompare(backend, first, second, third);
        if (chosen) openPanel({ image: chosen.image, overlays: [], compare: { prediction: chosen.prediction, reference: chosen.reference } });
      },
    ),
    vscode.commands.registerCommand('nnseg.viewer.addOverlay', async (uri?: vscode.Uri) => {
      const s = activeSession;
      if (!s) {
        void vscode.window.showInformationMessage('Open a NIfTI image in the nnSeg viewer first.');
        return;
      }
      const picked = uri instanceof vscode.Uri ? [uri] : await pickNifti('Add a segmentation overlay', true, s.plainSource.image);
      for (const u of ([] as vscode.Uri[]).concat(picked ?? [])) s.addOverlay(u);
    }),
  );
}

async function pickNifti(title: string, many?: false, near?: string): Promise<vscode.Uri | undefined>;
async function pickNifti(title: string, many: true, near?: string): Promise<vscode.Uri[] | undefined>;
async function pickNifti(title: string, many = false, near?: string): Promise<vscode.Uri | vscode.Uri[] | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectMany: many,
    defaultUri: near ? vscode.Uri.joinPath(vscode.Uri.parse(near), '..') : vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { NIfTI: ['nii', 'gz', 'hdr'] },
  });
  if (!picked?.length) return undefined;
  return many ? picked : picked[0];
}

/**
 * Whether a file of a selection is a segmentation: the backend says so from its header (label intent,
 * a label table, a labelsTr folder), or its name does (seg, label, mask, lesion, ...). The backend gets
 * two seconds; the name decides alone when it is not there.
 */
async function isLabelMap(backend: ViewerBackend, uri: vscode.Uri): Promise<boolean> {
  if (looksLikeLabelName(path.posix.basename(uri.path))) return true;
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      backend.inspectImage(uri.scheme === 'file' ? uri.fsPath : uri.toString()),
      new Promise<InspectImageResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false }), 2000);
      }),
    ]);
    return !!(info.ok && info.isLabelMap);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** The image a label file belongs to, if the nnU-Net layout says so and the file exists. */
async function findImageFor(label: vscode.Uri): Promise<vscode.Uri | undefined> {
  const dir = path.posix.basename(path.posix.dirname(label.path));
  for (const rel of imageCandidatesForLabel(dir, path.posix.basename(label.path))) {
    const cand = vscode.Uri.joinPath(label, '..', rel);
    try {
      await vscode.workspace.fs.stat(cand);
      return cand;
    } catch {
      /* next */
    }
  }
  return undefined;
}

async function splitSelection(backend: ViewerBackend, uris: vscode.Uri[]): Promise<{ images: vscode.Uri[]; labels: vscode.Uri[] }> {
  const flags = await Promise.all(uris.map((u) => isLabelMap(backend, u)));
  return { images: uris.filter((_, i) => !flags[i]), labels: uris.filter((_, i) => flags[i]) };
}

function explorerSelection(first?: vscode.Uri, second?: unknown): vscode.Uri[] | undefined {
  // Explorer context menus pass (clicked, allSelected); programmatic callers pass their own arguments.
  if (first instanceof vscode.Uri && Array.isArray(second) && second.some((u) => u instanceof vscode.Uri && u.toString() === first.toString())) {
    return (second as vscode.Uri[]).filter((u) => isNiftiName(path.posix.basename(u.path)));
  }
  return undefined;
}

async function chooseImageAndLabels(
  backend: ViewerBackend,
  first?: vscode.Uri,
  second?: vscode.Uri[],
): Promise<{ image: vscode.Uri; labels: vscode.Uri[] } | undefined> {
  const selection = explorerSelection(first, second);
  let image: vscode.Uri | undefined;
  let labels: vscode.Uri[] = [];
  if (selection) {
    const split = await splitSelection(backend, selection.length ? selection : [first!]);
    image = split.images[0];
    labels = [...split.images.slice(1), ...split.labels];
    if (!image && labels.length) image = await findImageFor(labels[0]);
  } else if (first instanceof vscode.Uri) {
    image = first;
    labels = Array.isArray(second) ? second : [];
  }
  image ??= await pickNifti('Select the image under the segmentation', false, labels[0]?.toString());
  if (!image) return undefined;
  if (!labels.length) labels = (await pickNifti('Select the segmentation(s) to overlay', true, image.toString())) ?? [];
  if (!labels.length) return undefined;
  return { image, labels };
}

async function chooseCompare(
  backend: ViewerBackend,
  first?: vscode.Uri,
  second?: vscode.Uri | vscode.Uri[],
  third?: vscode.Uri,
): Promise<{ image: vscode.Uri; prediction: vscode.Uri; reference: vscode.Uri } | undefined> {
  let image: vscode.Uri | undefined;
  let prediction: vscode.Uri | undefined;
  let reference: vscode.Uri | undefined;
  const selection = explorerSelection(first, second);
  if (selection) {
    const split = await splitSelection(backend, selection);
    image = split.images[0];
    const labels = split.labels;
    if (labels.length >= 2) {
      // The reference is the one in a labelsTr/labelsTs/ground-truth folder, else the user says.
      const isRef = (u: vscode.Uri) => /labels(Tr|Ts)|gt|truth|reference|manual/i.test(u.path);
      const refIdx = labels.findIndex(isRef);
      if (refIdx >= 0 && labels.filter(isRef).length === 1) {
        reference = labels[refIdx];
        prediction = labels[1 - refIdx] ?? labels.find((_, i) => i !== refIdx);
      } else {
        const pick = await vscode.window.showQuickPick(
          labels.map((u) => ({ label: path.posix.basename(u.path), description: vscode.workspace.asRelativePath(u), uri: u })),
          { title: 'Which one is the reference (ground truth)?' },
        );
        if (!pick) return undefined;
        reference = pick.uri;
        prediction = labels.find((u) => u !== pick.uri);
      }
    } else if (labels.length === 1) prediction = labels[0];
    if (!image && (reference ?? prediction)) image = await findImageFor((reference ?? prediction)!);
  } else {
    image = first instanceof vscode.Uri ? first : undefined;
    prediction = second instanceof vscode.Uri ? second : undefined;
    reference = third instanceof vscode.Uri ? third : undefined;
  }
  image ??= await pickNifti('Select the image');
  if (!image) return undefined;
  prediction ??= await pickNifti('Select the prediction', false, image.toString());
  if (!prediction) return undefined;
  reference ??= await pickNifti('Select the reference (ground truth)', false, prediction.toString());
  if (!reference) return undefined;
  return { image, prediction, reference };
}
