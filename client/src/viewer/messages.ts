/**
 * Messages between the extension host and the viewer webview (media/src/viewer). Type-only: the
 * webview bundle imports these declarations, the host posts/receives plain objects.
 */

export type VolumeRole = 'image' | 'overlay';

/** How an overlay takes part in compare mode. */
export type CompareRole = 'prediction' | 'reference';

export interface VolumeMessage {
  type: 'volume';
  /** Stable id within the session (the file URI string). */
  id: string;
  role: VolumeRole;
  /** File name with its extension (niivue picks the reader by it). */
  name: string;
  /** Workspace-relative path for display. */
  label: string;
  bytes: Uint8Array;
  /** The .img of an Analyze/NIfTI .hdr pair. */
  paired?: Uint8Array;
  compareRole?: CompareRole;
  /** Date.now() on the host when the open started (benchmark: open to first frame). */
  openedAt: number;
  /** When the webview said it was ready, how long the host's file read took, when the bytes were posted. */
  readyAt?: number;
  readMs?: number;
  sentAt?: number;
}

/**
 * A low-resolution preview of a large image, computed by the backend (nnseg/imagePreview), posted before
 * the full file so the view can draw at once; the full volume replaces it when it arrives.
 */
export interface PreviewMessage {
  type: 'preview';
  /** The image's id (the same as its later VolumeMessage). */
  id: string;
  name: string;
  /** Preview grid: dims (i, j, k) and voxel-to-world affine. */
  dims: [number, number, number];
  affine: number[][];
  /** The file's grid: voxel indices in the readout and "go to voxel" refer to it. */
  fileDims: [number, number, number];
  fileAffine: number[][];
  factors: [number, number, number];
  /** Stored type of the values in `bytes` (little-endian, file order; gzip-compressed when `encoding` says so). */
  datatype: string;
  bytes: Uint8Array;
  encoding?: 'gzip';
  sclSlope: number;
  sclInter: number;
  intentCode: number;
  frames: number;
  pixdim: [number, number, number];
  openedAt: number;
  readyAt?: number;
  sentAt?: number;
  /** The backend's time for the preview, worker start included. */
  backendMs?: number;
}

/** The backend's inspectImage answer for a volume, sent when it arrives (it may come after the bytes). */
export interface InfoMessage {
  type: 'info';
  id: string;
  ok: boolean;
  error?: string;
  labelNames?: Record<string, string>;
  isLabelMap?: boolean;
}

/** A message to show instead of (or above) the view. */
export interface ErrorMessage {
  type: 'error';
  message: string;
  /** The volume it concerns, if any; errors about the main image replace the view. */
  id?: string;
}

/** Start compare mode once both overlays are loaded. */
export interface CompareMessage {
  type: 'compare';
  predictionId: string;
  referenceId: string;
}

/** Settings the host keeps across panels (globalState). */
export interface PrefsMessage {
  type: 'prefs';
  prefs: ViewerPrefs;
}

export interface ViewerPrefs {
  radiological?: boolean;
}

export type HostToViewer = VolumeMessage | PreviewMessage | InfoMessage | ErrorMessage | CompareMessage | PrefsMessage;

export type ViewerToHost =
  | { type: 'ready' }
  | { type: 'addOverlay' }
  /** The webview could not parse this file: ask the backend to read it fully and say what is wrong. */
  | { type: 'explain'; id: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'savePrefs'; prefs: ViewerPrefs }
  | { type: 'firstFrame'; id: string; ms: number; preview?: boolean }
  /** The preview was drawn (or could not be): the host posts the full file now. */
  | { type: 'previewShown'; id: string; ok: boolean };

/** What the webview stores with setState so a reopened panel (or a reloaded window) comes back as it was. */
export interface ViewerState {
  /** For preview panels: the URIs to reload (custom editors know their document). */
  source?: ViewerSource;
  view?: number;
  windowCenter?: number;
  windowWidth?: number;
  colormap?: string;
  opacity?: number;
  outline?: boolean;
  hidden?: Record<string, number[]>;
}

export interface ViewerSource {
  image: string;
  overlays: string[];
  compare?: { prediction: string; reference: string };
}
