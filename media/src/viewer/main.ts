/**
 * The nnSeg viewer webview. 2D views (axial, coronal, sagittal, multiplanar) are drawn on the CPU in
 * world (RAS) orientation by render2d.ts; the 3D render is niivue's, created on demand (view3d.ts).
 * Around them: the segmentation-review UI (legend, per-label visibility and statistics, compare mode,
 * window/level presets, crosshair readout) and the messages with the extension host.
 */
import { applyAffine, voxelVolumeMm3 } from '../../../client/src/viewer/affine';
import { DisplayGrid, ViewId, axisSample, axisWorld, displayGrid, nearestVoxel, viewAxes } from '../../../client/src/viewer/displayGrid';
import { WINDOW_PRESETS, looksLikeCT } from '../../../client/src/viewer/labelColors';
import { compareLabelMaps, gridMismatch, labelCounts, percentiles } from '../../../client/src/viewer/labelStats';
import type { HostToViewer, InfoMessage, PreviewMessage, ViewerPrefs, ViewerState, VolumeMessage } from '../../../client/src/viewer/messages';
import { clear, fmtNumber, h } from '../common/dom';
import { vscodeApi } from '../common/vscodeApi';
import { installBench } from './bench';
import { LabelLayer, buildLut, labelName, layerColor, parseLabelNames } from './layers';
import { ImageStyle, LabelStyle, SliceRenderer, Tile } from './render2d';
import type { Niivue3D } from '../viewer3d/main';
import type { Label3D, Source3D, View3D } from './view3d';
import './viewer.css';
import { Volume, decodeVolume, gunzip, previewVolume } from './volume';

/** When this page's document started and when its script ran (epoch ms): the webview's start, split. */
const boot = { documentAt: performance.timeOrigin, scriptAt: performance.timeOrigin + performance.now() };
const vscode = vscodeApi<ViewerState>();
const saved: ViewerState = vscode.getState() ?? {};

type ViewMode = 'axial' | 'coronal' | 'sagittal' | 'mpr' | 'mpr3d' | '3d';
const VIEWS: { id: ViewMode; title: string; key: string }[] = [
  { id: 'axial', title: 'Axial', key: '1' },
  { id: 'coronal', title: 'Coronal', key: '2' },
  { id: 'sagittal', title: 'Sagittal', key: '3' },
  { id: 'mpr', title: 'MPR', key: '4' },
  { id: 'mpr3d', title: 'MPR + 3D', key: '5' },
  { id: '3d', title: '3D', key: '6' },
];
const COLORMAPS = ['gray', 'bone', 'hot', 'viridis', 'inferno', 'plasma', 'winter', 'warm', 'cool', 'jet'];

/** The niivue bundle (3D render, colormaps), loaded on first use with this page's nonce. */
let niivueBundle: Promise<Niivue3D> | undefined;
function loadNiivue(): Promise<Niivue3D> {
  niivueBundle ??= new Promise<Niivue3D>((resolve, reject) => {
    const me = document.querySelector<HTMLScriptElement>('script[src*="viewer.js"]');
    const el = document.createElement('script');
    el.nonce = me?.nonce ?? '';
    el.src = (me?.src ?? '').replace(/viewer\.js(\?.*)?$/, 'viewer3d.js$1');
    el.onload = () => resolve((window as unknown as { __nnsegNiivue: Niivue3D }).__nnsegNiivue);
    el.onerror = () => reject(new Error('the 3D bundle (viewer3d.js) could not be loaded'));
    document.head.append(el);
  });
  return niivueBundle;
}

// ---------- DOM ----------
const canvas = h('canvas', { id: 'view2d', tabindex: 0 });
const canvas3d = h('canvas', { id: 'view3d' });
// niivue sizes its canvas to the parent: this box is placed over the 3D tile.
const box3d = h('div', { id: 'view3d-box', class: 'box3d hidden' }, canvas3d);
const errorBox = h('div', { class: 'error hidden', id: 'error', role: 'alert' });
const busy = h('div', { class: 'busy', id: 'busy' }, 'Loading…');
const stage = h('div', { class: 'stage', id: 'stage' }, canvas, box3d, errorBox, busy);
const viewButtons = VIEWS.map((v) =>
  h('button', { class: 'view', 'data-view': v.id, title: `${v.title} (${v.key})`, onclick: () => setView(v.id) }, v.title),
);
const wInput = h('input', { type: 'number', id: 'ww', title: 'Window width', step: 'any' });
const lInput = h('input', { type: 'number', id: 'wl', title: 'Window level (centre)', step: 'any' });
const presetSelect = h(
  'select',
  { id: 'preset', title: 'Window/level preset' },
  h('option', { value: '' }, 'Preset…'),
  ...WINDOW_PRESETS.map((p) => h('option', { value: p.id }, p.title)),
);
const cmapSelect = h('select', { id: 'colormap', title: 'Image colormap' }, ...COLORMAPS.map((c) => h('option', { value: c }, c)));
const radioCheck = h('input', { type: 'checkbox', id: 'radiological', checked: true });
const addOverlayBtn = h('button', { id: 'add-overlay', title: 'Add a segmentation overlay', onclick: () => vscode.postMessage({ type: 'addOverlay' }) }, '+ Overlay');
const resetBtn = h('button', { id: 'reset-view', title: 'Reset zoom and pan (0)', onclick: () => resetZoom() }, 'Reset zoom');
const toolbar = h(
  'div',
  { class: 'toolbar' },
  h('span', { class: 'group' }, ...viewButtons),
  h('span', { class: 'group' }, h('label', {}, 'W ', wInput), h('label', {}, 'L ', lInput), presetSelect, cmapSelect),
  h('span', { class: 'group' }, h('label', { title: "Radiological convention: the patient's right on the screen's left" }, radioCheck, ' Radiological')),
  h('span', { class: 'group' }, resetBtn, addOverlayBtn),
);
const sliceSlider = h('input', { type: 'range', id: 'slice', min: 0, max: 0, value: 0, title: 'Slice (wheel, ↑/↓, PgUp/PgDn)' });
const sliceLabel = h('span', { id: 'slice-label', class: 'slice-label' }, '');
const sliceBar = h('div', { class: 'slicebar' }, h('span', {}, 'Slice'), sliceSlider, sliceLabel);

const readoutVox = h('span', { id: 'ro-vox' });
const readoutMm = h('span', { id: 'ro-mm' });
const readoutVal = h('span', { id: 'ro-value' });
const readoutLabels = h('div', { id: 'ro-labels', class: 'ro-labels' });
const hoverLine = h('div', { id: 'ro-hover', class: 'muted hover' }, '');
const gotoInput = h('input', { id: 'goto', type: 'text', placeholder: 'i, j, k', title: 'Voxel index (file order), Enter to go' });
const readout = h(
  'section',
  { class: 'readout', id: 'readout' },
  h('h3', {}, 'Cursor'),
  h('div', { class: 'kv' }, h('span', {}, 'Voxel'), readoutVox),
  h('div', { class: 'kv' }, h('span', {}, 'World (RAS mm)'), readoutMm),
  h('div', { class: 'kv' }, h('span', {}, 'Intensity'), readoutVal),
  readoutLabels,
  h('div', { class: 'kv' }, h('span', {}, 'Go to voxel'), gotoInput),
  hoverLine,
);
const opacitySlider = h('input', { type: 'range', id: 'opacity', min: 0, max: 100, value: Math.round((saved.opacity ?? 0.5) * 100) });
const outlineCheck = h('input', { type: 'checkbox', id: 'outline', checked: !!saved.outline });
const layerList = h('div', { id: 'layers' });
const notes = h('div', { id: 'notes', class: 'notes' });
const overlaysSection = h(
  'section',
  { class: 'overlays', id: 'overlays' },
  h('h3', {}, 'Segmentations'),
  h('div', { class: 'kv' }, h('span', {}, 'Opacity'), opacitySlider),
  h('div', { class: 'kv' }, h('label', {}, outlineCheck, ' Outline only')),
  notes,
  layerList,
);
const compareSection = h('section', { class: 'compare hidden', id: 'compare' });
const infoSection = h('section', { class: 'info', id: 'info' });
const help = h(
  'section',
  { class: 'help muted' },
  'Left: cursor · right or Shift+left drag: window/level · middle or Ctrl+left drag: pan · wheel: slice · Ctrl+wheel: zoom · 1–6: views · double-click: enlarge a view',
);
const side = h('aside', { class: 'side' }, readout, overlaysSection, compareSection, infoSection, help);
const root = h('div', { class: 'viewer', id: 'nnseg-viewer' }, toolbar, h('div', { class: 'main' }, h('div', { class: 'left' }, stage, sliceBar), side));
document.getElementById('app')!.append(root);

// ---------- state ----------
interface ImageState {
  id: string;
  name: string;
  /** What is drawn: the file's volume, or the backend's subsampled preview until the file arrives. */
  vol: Volume;
  grid: DisplayGrid;
  /** The file's own voxel grid (the same as vol's unless this is a preview): voxel indices refer to it. */
  fileGrid: DisplayGrid;
  preview: boolean;
  renderer: SliceRenderer;
  /** The file's bytes for the 3D view (not there for a preview). */
  source?: Source3D;
}
let image: ImageState | undefined;
const layers: LabelLayer[] = [];
const infos = new Map<string, InfoMessage>();
const failed = new Set<string>();
const sources = new Map<string, Source3D>();
let compareLayer: LabelLayer | undefined;
let compareState: { pred: LabelLayer; ref: LabelLayer } | undefined;
let wantCompare: { predictionId: string; referenceId: string } | undefined;
let viewMode: ViewMode = (VIEWS[saved.view ?? -1]?.id as ViewMode) ?? 'axial';
let opacity = saved.opacity ?? 0.5;
let outlineMode = !!saved.outline;
let radiological = true;
let crosshair: [number, number, number] = [0, 0, 0];
let style: ImageStyle = { name: 'gray', lo: 0, hi: 1, colormap: grayColormap() };
let styleVersion = 0;
let firstFrameReported = false;
let showCrosshair = true;
let view3d: View3D | undefined;
let view3dLoading: Promise<void> | undefined;
const source: NonNullable<ViewerState['source']> = saved.source ?? { image: '', overlays: [] };

function grayColormap(): Uint8ClampedArray {
  const c = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) c.set([i, i, i, 255], i * 4);
  return c;
}

async function colormapTable(name: string): Promise<Uint8ClampedArray> {
  if (name === 'gray') return grayColormap();
  try {
    const t = (await loadNiivue()).colormap(name);
    if (t.length === 256 * 4) return t;
  } catch (e) {
    log('warn', `colormap ${name}: ${String(e)}`);
  }
  return grayColormap();
}

// Volumes are decoded one after the other so overlays always meet their image.
let chain: Promise<void> = Promise.resolve();
function serial(job: () => Promise<void>): void {
  chain = chain.then(job).catch((e) => log('error', String(e?.stack ?? e)));
}

function log(level: 'info' | 'warn' | 'error', message: string): void {
  vscode.postMessage({ type: 'log', level, message });
}

function saveState(): void {
  const hidden: Record<string, number[]> = {};
  for (const l of layers) if (l.hidden.size) hidden[l.id] = [...l.hidden];
  vscode.setState({
    source,
    view: VIEWS.findIndex((v) => v.id === viewMode),
    windowCenter: image ? (style.hi + style.lo) / 2 : undefined,
    windowWidth: image ? style.hi - style.lo : undefined,
    colormap: style.name,
    opacity,
    outline: outlineMode,
    hidden,
  });
}

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.classList.remove('hidden');
  canvas.classList.add('hidden');
  busy.classList.add('hidden');
  root.dataset.error = message;
}

function note(message: string, id?: string): void {
  notes.append(h('div', { class: 'note', 'data-id': id ?? '' }, message));
}

// ---------- loading ----------
function toArrayBuffer(x: Uint8Array | ArrayBuffer): ArrayBuffer {
  if (x instanceof ArrayBuffer) return x;
  if (ArrayBuffer.isView(x)) {
    const u8 = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    return (u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8.buffer : u8.slice().buffer) as ArrayBuffer;
  }
  throw new Error(`unexpected file data (${Object.prototype.toString.call(x)})`);
}

/** Without the backend's answer: an integer volume with few distinct values, or NIFTI_INTENT_LABEL, is a label map. */
function looksLikeLabels(vol: Volume): boolean {
  if (vol.intentLabel) return true;
  if (!vol.isInteger || vol.min < 0) return false;
  const seen = new Set<number>();
  const stride = Math.max(1, Math.floor(vol.data.length / 2_000_000));
  for (let i = 0; i < vol.data.length; i += stride) {
    seen.add(vol.data[i]);
    if (seen.size > 64) return false;
  }
  return true;
}

/** Label values as uint8 / uint16 (rounded, scaled by scl_slope/inter, negatives to 0). */
function labelValues(vol: Volume): Uint8Array | Uint16Array {
  const { data, slope, inter } = vol;
  const identity = slope === 1 && inter === 0;
  if (identity && data instanceof Uint8Array) return data;
  const mx = Math.round(vol.max * slope + inter);
  if (identity && data instanceof Uint16Array && mx > 255) return data;
  const out = mx <= 255 ? new Uint8Array(data.length) : new Uint16Array(data.length);
  const cap = mx <= 255 ? 255 : 65535;
  for (let i = 0; i < data.length; i++) {
    const v = Math.round(data[i] * slope + inter);
    out[i] = v < 0 ? 0 : v > cap ? cap : v;
  }
  return out;
}

/**
 * Tests hold the full volume of a previewed image back (window.__nnsegHoldFull, set before this script
 * runs; __nnseg.releaseFull() lets it through) to act on the preview for as long as they need.
 */
let releaseFull: (() => void) | undefined;
const fullHeld = (window as unknown as { __nnsegHoldFull?: boolean }).__nnsegHoldFull ? new Promise<void>((r) => (releaseFull = r)) : undefined;

/** Which of the image's messages came in, in order, and when the file's bytes did (ms after open). */
function received(what: 'preview' | 'full', m: { openedAt: number }, at: number): void {
  root.dataset.received = `${root.dataset.received ?? ''}${what};`;
  root.dataset[what === 'full' ? 'fullReceivedMs' : 'previewReceivedMs'] = String(at - m.openedAt);
}

function onVolume(m: VolumeMessage): void {
  const receivedAt = Date.now();
  if (m.role === 'image') received('full', m, receivedAt);
  if (m.role === 'image') source.image = m.id;
  else if (!m.compareRole && !source.overlays.includes(m.id)) source.overlays.push(m.id);
  const paired = m.paired ? toArrayBuffer(m.paired) : undefined;
  serial(async () => {
    let vol: Volume;
    let bytes: ArrayBuffer;
    try {
      bytes = toArrayBuffer(m.bytes);
      sources.set(m.id, { name: m.name, bytes, paired });
      vol = await decodeVolume(m.name, bytes, paired);
    } catch (e) {
      // Show what the webview found now; the backend's full read of the file (asked for here) words a
      // corrupt file best and replaces it when it answers (onInfo).
      failed.add(m.id);
      vscode.postMessage({ type: 'explain', id: m.id });
      const info = infos.get(m.id);
      const why = info && !info.ok && info.error ? info.error : `Cannot display ${m.name}: ${e instanceof Error ? e.message : String(e)}`;
      if (m.role === 'image') showError(why);
      else note(why, m.id);
      return;
    }
    const decodedAt = Date.now();
    if (m.role === 'image' && image?.preview && fullHeld) await fullHeld;
    if (m.role === 'image') showImage(m, vol, receivedAt, decodedAt);
    else addLabelLayer(m, vol);
    saveState();
  });
}

/** The backend's preview of a large image: drawn at once, replaced by the file when it arrives. */
function onPreview(m: PreviewMessage): void {
  const receivedAt = Date.now();
  received('preview', m, receivedAt);
  source.image = m.id;
  serial(async () => {
    let ok = false;
    try {
      // Never over the file itself (the host posts the preview first, but be sure).
      if (!image) {
        const bytes = m.encoding === 'gzip' ? await gunzip(toArrayBuffer(m.bytes)) : toArrayBuffer(m.bytes);
        const vol = previewVolume({ ...m, bytes });
        showImage(m, vol, receivedAt, Date.now());
        ok = true;
      }
    } catch (e) {
      log('warn', `preview of ${m.name} not shown: ${e instanceof Error ? e.message : String(e)}`);
    }
    // The host holds the full file until the preview's frame is out (or this says there is none).
    if (ok) requestAnimationFrame(() => vscode.postMessage({ type: 'previewShown', id: m.id, ok: true }));
    else vscode.postMessage({ type: 'previewShown', id: m.id, ok: false });
  });
}

type FrameTimes = Pick<VolumeMessage, 'id' | 'name' | 'openedAt' | 'readyAt' | 'readMs' | 'sentAt'> & { backendMs?: number };

function showImage(m: FrameTimes, vol: Volume, receivedAt: number, decodedAt: number): void {
  if (image?.preview && image.id === m.id && !vol.preview) {
    swapInFull(m, vol, receivedAt, decodedAt);
    return;
  }
  const grid = displayGrid(vol.dims, vol.affine);
  const fileGrid = vol.preview ? displayGrid(vol.preview.fileDims, vol.preview.fileAffine) : grid;
  image = { id: m.id, name: m.name, vol, grid, fileGrid, preview: !!vol.preview, renderer: new SliceRenderer(grid, vol), source: sources.get(m.id) };
  // Start at the centre of the volume (of the file's grid: a preview starts where the file will).
  crosshair = [0, 1, 2].map((a) => axisWorld(fileGrid.axes[a], Math.floor(fileGrid.axes[a].count / 2))) as [number, number, number];
  const info = infos.get(m.id);
  // The backend's header check says "label map" for label intents / label tables / labelsTr folders;
  // a header-plain file with few integer values (torsoLabel.nii.gz) is one too.
  if (info?.isLabelMap || looksLikeLabels(vol)) makeImageLabels(info);
  else initWindow(vol);
  busy.classList.toggle('hidden', !image.preview);
  if (image.preview) busy.textContent = 'Preview · loading full resolution…';
  showInfo();
  setView(viewMode, false);
  drawNow();
  updateReadout();
  reportFrame(m, receivedAt, decodedAt, image.preview);
}

/**
 * The file's volume replaces the preview, keeping what the user did meanwhile: the crosshair (world mm),
 * the view, zoom and pan, window/level and colormap, label visibility. Only an untouched "Auto" window is
 * computed again, from all voxels.
 */
function swapInFull(m: FrameTimes, vol: Volume, receivedAt: number, decodedAt: number): void {
  const old = image!;
  const grid = displayGrid(vol.dims, vol.affine);
  const renderer = new SliceRenderer(grid, vol);
  for (const [view, t] of old.renderer.transforms) renderer.transforms.set(view, t);
  image = { id: old.id, name: old.name, vol, grid, fileGrid: grid, preview: false, renderer, source: sources.get(m.id) };
  const imgLayer = layers.find((l) => l.isImage && l.id === old.id);
  const info = infos.get(m.id);
  if (imgLayer) {
    imgLayer.data = labelValues(vol);
    imgLayer.stats = undefined;
    buildLut(imgLayer);
    computeStatsLater(imgLayer);
  } else if (info?.isLabelMap || looksLikeLabels(vol)) makeImageLabels(info);
  else if (presetSelect.value === 'auto') applyPreset('auto');
  busy.classList.add('hidden');
  showInfo();
  updateSlider();
  updateReadout();
  changed();
  drawNow();
  reportFrame(m, receivedAt, decodedAt, false);
}

/** Timings for the benchmark and the log: the first frame (preview or not) and the full-resolution one. */
function reportFrame(m: FrameTimes, receivedAt: number, decodedAt: number, preview: boolean): void {
  requestAnimationFrame(() => {
    const now = Date.now();
    const ms = now - m.openedAt;
    const timing = JSON.stringify({
      preview,
      webviewStart: (m.readyAt ?? 0) - m.openedAt,
      documentStart: Math.round(boot.documentAt - m.openedAt),
      scriptStart: Math.round(boot.scriptAt - m.openedAt),
      hostRead: m.readMs,
      backend: m.backendMs,
      posted: (m.sentAt ?? 0) - m.openedAt,
      transfer: receivedAt - (m.sentAt ?? m.openedAt),
      decode: decodedAt - receivedAt,
      draw: now - decodedAt,
      total: ms,
    });
    if (!firstFrameReported) {
      firstFrameReported = true;
      root.dataset.firstFrameMs = String(ms);
      root.dataset.timing = timing;
    }
    if (preview) {
      root.dataset.previewFrameMs = String(ms);
      root.dataset.frames = `${root.dataset.frames ?? ''}preview;`;
    } else {
      root.dataset.fullFrameMs = String(ms);
      root.dataset.timingFull = timing;
      root.dataset.frames = `${root.dataset.frames ?? ''}full;`;
    }
    root.dataset.resolution = preview ? 'preview' : 'full';
    vscode.postMessage({ type: 'firstFrame', id: m.id, ms, preview });
    root.dataset.ready = '1';
  });
}

function initWindow(vol: Volume): void {
  const s = (x: number) => x * vol.slope + vol.inter;
  const [p0, p005, p995] = percentiles(vol.data, [0, 0.005, 0.995]).map(s);
  let lo = p005;
  let hi = p995;
  if (looksLikeCT(p0, p005)) {
    presetSelect.value = 'ct-soft';
    lo = 40 - 200;
    hi = 40 + 200;
  } else presetSelect.value = 'auto';
  if (saved.windowWidth !== undefined && saved.windowCenter !== undefined && saved.source?.image === image?.id) {
    lo = saved.windowCenter - saved.windowWidth / 2;
    hi = saved.windowCenter + saved.windowWidth / 2;
    presetSelect.value = '';
  }
  if (!(hi > lo)) hi = lo + 1;
  style = { name: 'gray', lo, hi, colormap: grayColormap() };
  showWindow();
  if (saved.colormap && saved.colormap !== 'gray' && COLORMAPS.includes(saved.colormap)) void setColormap(saved.colormap);
}

function makeImageLabels(info?: InfoMessage): void {
  if (!image || layers.some((l) => l.id === image!.id)) return;
  const vol = image.vol;
  const layer: LabelLayer = {
    id: image.id,
    title: image.name,
    kind: 'labels',
    isImage: true,
    data: labelValues(vol),
    names: parseLabelNames(info?.labelNames),
    hidden: new Set(saved.hidden?.[image.id] ?? []),
    visible: true,
    lut: new Uint8ClampedArray(8),
  };
  layers.unshift(layer);
  // A label map opened on its own: black background, labels at full strength.
  style = { name: 'gray', lo: 0, hi: 1e9, colormap: grayColormap() };
  buildLut(layer);
  computeStatsLater(layer);
  renderLayers();
  changed();
}

function addLabelLayer(m: VolumeMessage, vol: Volume): void {
  if (!image) {
    note(`${m.name} is not shown: the image under it could not be opened.`, m.id);
    return;
  }
  if (image.preview) {
    // Overlays are posted after the image's file, so this only happens when the file could not be shown.
    note(`${m.name} is not shown: ${image.name} could not be opened at full resolution.`, m.id);
    return;
  }
  const why = gridMismatch({ dims: vol.dims, affine: vol.affine }, { dims: image.vol.dims, affine: image.vol.affine });
  if (why) {
    note(`${m.name} is not shown: it is not on the image's voxel grid (${why}). Resample it onto ${image.name} first.`, m.id);
    root.dataset.refused = `${root.dataset.refused ?? ''}${m.name};`;
    return;
  }
  const info = infos.get(m.id);
  const layer: LabelLayer = {
    id: m.id,
    title: m.name,
    kind: 'labels',
    data: labelValues(vol),
    names: parseLabelNames(info?.labelNames),
    hidden: new Set(saved.hidden?.[m.id] ?? []),
    visible: true,
    lut: new Uint8ClampedArray(8),
    voxelVolume: voxelVolumeMm3(vol.affine),
  };
  layers.push(layer);
  buildLut(layer);
  computeStatsLater(layer);
  renderLayers();
  changed();
  maybeCompare();
}

function onInfo(m: InfoMessage): void {
  infos.set(m.id, m);
  if (!m.ok) {
    const why = m.error ?? 'the backend could not read this file';
    if (failed.has(m.id)) {
      // Replace the webview's decode error with the backend's clearer one.
      if (m.id === source.image) showError(why);
      for (const n of notes.querySelectorAll<HTMLElement>(`.note[data-id="${CSS.escape(m.id)}"]`)) n.textContent = why;
    } else if (image?.id === m.id || layers.some((l) => l.id === m.id)) {
      // The view could read it, the backend could not: show it, and say what the backend said.
      note(`Warning: ${why}`, m.id);
    }
    return;
  }
  const layer = layers.find((l) => l.id === m.id);
  if (layer && m.labelNames) {
    layer.names = parseLabelNames(m.labelNames);
    buildLut(layer);
    renderLayers();
    changed();
  } else if (!layer && image && m.id === image.id && m.isLabelMap) {
    makeImageLabels(m);
  }
}

/** Until the user moves the cursor: put it on the first label map's labelled voxels (not an empty slice). */
let cursorMovedByUser = false;
let centredOnLabels = false;
function centreOnLabels(layer: LabelLayer): void {
  if (cursorMovedByUser || centredOnLabels || !layer.stats?.length) return;
  centredOnLabels = true;
  let n = 0;
  const c = [0, 0, 0];
  for (const s of layer.stats) {
    if (!s.centroid) continue;
    for (let a = 0; a < 3; a++) c[a] += s.centroid[a] * s.voxels;
    n += s.voxels;
  }
  if (n > 0) gotoVoxel(c.map((x) => Math.round(x / n)));
}

function computeStatsLater(layer: LabelLayer): void {
  setTimeout(() => {
    // A label map shown from its preview is counted once the file is there (swapInFull).
    if (!image || (layer.isImage && image.preview)) return;
    layer.stats = labelCounts(layer.data, layer.voxelVolume ?? voxelVolumeMm3(image.vol.affine), image.vol.dims);
    buildLut(layer);
    centreOnLabels(layer);
    renderLayers();
    changed();
    root.dataset.stats = String(layers.filter((l) => l.stats).length);
  }, 0);
}

// ---------- drawing ----------
/** Something that changes the pixels of every slice (window, labels, opacity): redraw. */
function changed(): void {
  styleVersion++;
  requestDraw();
  sync3d();
}

let drawQueued = false;
function requestDraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    drawNow();
  });
}

function labelStyles(): LabelStyle[] {
  return layers
    .filter((l) => l.visible || l.isImage)
    .map((l) => ({ data: l.data, lut: l.lut, opacity: l.isImage ? 1 : opacity }));
}

function tiles(): { tiles2d: Tile[]; tile3d?: Tile } {
  const W = stage.clientWidth;
  const H = stage.clientHeight;
  if (viewMode === 'axial' || viewMode === 'coronal' || viewMode === 'sagittal') return { tiles2d: [{ view: viewMode, x: 0, y: 0, w: W, h: H }] };
  if (viewMode === '3d') return { tiles2d: [], tile3d: { view: 'axial', x: 0, y: 0, w: W, h: H } };
  const w = Math.floor(W / 2);
  const hh = Math.floor(H / 2);
  const t: Tile[] = [
    { view: 'axial', x: 0, y: 0, w: w - 1, h: hh - 1 },
    { view: 'sagittal', x: w + 1, y: 0, w: W - w - 1, h: hh - 1 },
    { view: 'coronal', x: 0, y: hh + 1, w: w - 1, h: H - hh - 1 },
  ];
  return { tiles2d: t, tile3d: viewMode === 'mpr3d' ? { view: 'axial', x: w + 1, y: hh + 1, w: W - w - 1, h: H - hh - 1 } : undefined };
}

function drawNow(): void {
  if (!image) return;
  const dpr = window.devicePixelRatio || 1;
  const W = stage.clientWidth;
  const H = stage.clientHeight;
  if (canvas.width !== Math.round(W * dpr) || canvas.height !== Math.round(H * dpr)) {
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, W, H);
  const { tiles2d, tile3d } = tiles();
  const ls = labelStyles();
  for (const t of tiles2d) {
    const cache = image.renderer.render(t.view, radiological, crosshair, style, ls, outlineMode, styleVersion);
    image.renderer.drawTile(ctx, t, cache, crosshair, radiological, showCrosshair);
  }
  if (tiles2d.length > 1) {
    ctx.fillStyle = '#333';
    ctx.fillRect(Math.floor(W / 2) - 1, 0, 2, H);
    ctx.fillRect(0, Math.floor(H / 2) - 1, W, 2);
  }
  place3d(tile3d);
}

// ---------- 3D (niivue, on demand) ----------
let box3dGeom = '';
function place3d(tile?: Tile): void {
  if (!tile) {
    box3d.classList.add('hidden');
    return;
  }
  const wasHidden = box3d.classList.contains('hidden');
  box3d.classList.remove('hidden');
  const geom = `left:${tile.x}px;top:${tile.y}px;width:${tile.w}px;height:${tile.h}px`;
  if (box3dGeom !== geom) {
    box3dGeom = geom;
    box3d.style.cssText = geom;
    view3d?.resize();
  } else if (wasHidden) view3d?.resize();
  if (!view3d && !view3dLoading && image?.source) view3dLoading = start3d();
  else view3d?.setCrosshair(crosshair);
}

function label3d(): Label3D[] {
  return layers
    .filter((l) => !l.isImage && l.visible)
    .map((l) => ({ id: l.id, source: l.kind === 'compare' ? sources.get(compareState!.pred.id) : sources.get(l.id), data: l.data, lut: l.lut, opacity }));
}

async function start3d(): Promise<void> {
  if (!image?.source) return;
  root.dataset.view3d = 'loading';
  const t0 = performance.now();
  try {
    const { View3D } = await loadNiivue();
    const v = await View3D.create(canvas3d);
    const imgLayer = layers.find((l) => l.isImage);
    await v.setImage(image.source, style.lo, style.hi, imgLayer && { id: imgLayer.id, data: imgLayer.data, lut: imgLayer.lut, opacity: 1 });
    await v.syncLabels(label3d(), image.source);
    v.setCrosshair(crosshair);
    view3d = v;
    root.dataset.view3d = String(Math.round(performance.now() - t0));
  } catch (e) {
    note(`3D view unavailable: ${e instanceof Error ? e.message : String(e)}`);
    root.dataset.view3d = 'failed';
  }
}

let sync3dTimer: ReturnType<typeof setTimeout> | undefined;
function sync3d(): void {
  if (!view3d || !image) return;
  clearTimeout(sync3dTimer);
  // Re-baking niivue's textures is slow without a GPU: once per burst of changes.
  sync3dTimer = setTimeout(() => {
    if (image?.source) void view3d?.syncLabels(label3d(), image.source);
    view3d?.setWindow(style.lo, style.hi);
  }, 250);
}

// ---------- labels ----------
function setLayerVisible(layer: LabelLayer, visible: boolean): void {
  layer.visible = visible;
  changed();
}

function setLabelHidden(layer: LabelLayer, label: number, hidden: boolean): void {
  if (hidden) layer.hidden.add(label);
  else layer.hidden.delete(label);
  buildLut(layer);
  changed();
  saveState();
}

function setAllHidden(layer: LabelLayer, hidden: boolean): void {
  layer.hidden.clear();
  if (hidden) for (const s of layer.stats ?? []) layer.hidden.add(s.label);
  buildLut(layer);
  renderLayers();
  changed();
  saveState();
}

function renderLayers(): void {
  clear(layerList);
  for (const layer of layers) if (layer.kind !== 'compare') layerList.append(renderLayer(layer));
  if (compareLayer) renderCompare();
  else renderCompareChooser();
}

function renderLayer(layer: LabelLayer): HTMLElement {
  const vis = h('input', { type: 'checkbox', class: 'layer-visible', checked: layer.visible, disabled: !!layer.isImage });
  vis.addEventListener('change', () => setLayerVisible(layer, vis.checked));
  const entries = layer.stats ?? [...layer.names.keys()].sort((a, b) => a - b).map((label) => ({ label, voxels: NaN, volumeMm3: NaN, centroid: undefined }));
  const rows = entries.map((s) => {
    const cb = h('input', { type: 'checkbox', class: 'label-visible', 'data-label': s.label, checked: !layer.hidden.has(s.label) });
    cb.addEventListener('change', () => setLabelHidden(layer, s.label, !cb.checked));
    const [r, g, b] = layerColor(layer, s.label);
    const go = s.centroid
      ? h('button', { class: 'goto small', title: 'Move the cursor to the centre of this label', onclick: () => gotoVoxel(s.centroid!.map(Math.round)) }, 'Go')
      : '';
    return h(
      'tr',
      { 'data-label': s.label },
      h('td', {}, cb),
      h('td', {}, h('span', { class: 'swatch', style: `background: rgb(${r},${g},${b})` })),
      h('td', { class: 'num' }, String(s.label)),
      h('td', { class: 'name', title: labelName(layer, s.label) }, labelName(layer, s.label)),
      h('td', { class: 'num voxels' }, fmtNumber(s.voxels, 0)),
      h('td', { class: 'num mm3' }, fmtNumber(s.volumeMm3, 1)),
      h('td', {}, go),
    );
  });
  const table = h(
    'table',
    { class: 'legend' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, ''), h('th', {}, '#'), h('th', {}, 'Label'), h('th', {}, 'Voxels'), h('th', {}, 'mm³'), h('th', {}, ''))),
    h('tbody', {}, ...rows),
  );
  return h(
    'div',
    { class: 'layer', 'data-id': layer.id },
    h(
      'div',
      { class: 'layer-head' },
      h('label', { title: layer.id }, vis, ' ', layer.title),
      h('button', { class: 'small', onclick: () => setAllHidden(layer, false) }, 'Show all'),
      h('button', { class: 'small', onclick: () => setAllHidden(layer, true) }, 'Hide all'),
    ),
    layer.stats || layer.names.size ? table : h('div', { class: 'muted' }, 'Counting labels…'),
  );
}

// ---------- compare mode ----------
function maybeCompare(): void {
  if (!wantCompare) return;
  const pred = layers.find((l) => l.id === wantCompare!.predictionId);
  const ref = layers.find((l) => l.id === wantCompare!.referenceId);
  if (pred && ref) {
    wantCompare = undefined;
    startCompare(pred, ref);
  }
}

function renderCompareChooser(): void {
  const candidates = layers.filter((l) => l.kind === 'labels' && !l.isImage);
  clear(compareSection);
  if (candidates.length < 2) {
    compareSection.classList.add('hidden');
    return;
  }
  compareSection.classList.remove('hidden');
  const opt = (l: LabelLayer) => h('option', { value: l.id }, l.title);
  const predSel = h('select', { id: 'cmp-pred' }, ...candidates.map(opt));
  const refSel = h('select', { id: 'cmp-ref' }, ...candidates.map(opt));
  refSel.selectedIndex = 1;
  const go = h('button', { id: 'cmp-start' }, 'Compare');
  go.addEventListener('click', () => {
    const p = candidates.find((l) => l.id === predSel.value);
    const r = candidates.find((l) => l.id === refSel.value);
    if (p && r && p !== r) startCompare(p, r);
  });
  compareSection.append(
    h('h3', {}, 'Compare'),
    h('div', { class: 'kv' }, h('span', {}, 'Prediction'), predSel),
    h('div', { class: 'kv' }, h('span', {}, 'Reference'), refSel),
    go,
  );
}

function startCompare(pred: LabelLayer, ref: LabelLayer, onlyLabel?: number): void {
  if (pred.data.length !== ref.data.length) {
    note(`Cannot compare ${pred.title} with ${ref.title}: they have different voxel counts.`);
    return;
  }
  const t0 = performance.now();
  const result = compareLabelMaps(pred.data, ref.data, onlyLabel);
  const names = new Map<number, string>();
  for (const l of [ref, pred]) for (const [k, v] of l.names) if (!names.has(k)) names.set(k, v);
  const layer: LabelLayer = {
    id: 'compare',
    title: 'Compare',
    kind: 'compare',
    data: result.codes,
    names: new Map(),
    hidden: new Set(compareLayer?.hidden ?? []),
    visible: true,
    lut: new Uint8ClampedArray(8),
    comparison: result.perLabel,
    compareLabel: onlyLabel,
    compareNames: names,
  };
  if (compareLayer) layers.splice(layers.indexOf(compareLayer), 1);
  compareLayer = layer;
  compareState = { pred, ref };
  pred.visible = false;
  ref.visible = false;
  buildLut(layer);
  layers.push(layer);
  root.dataset.compareMs = String(Math.round(performance.now() - t0));
  renderLayers();
  changed();
}

function stopCompare(): void {
  if (!compareLayer || !compareState) return;
  layers.splice(layers.indexOf(compareLayer), 1);
  compareLayer = undefined;
  compareState.pred.visible = true;
  compareState.ref.visible = true;
  compareState = undefined;
  renderLayers();
  changed();
}

function renderCompare(): void {
  const layer = compareLayer!;
  const st = compareState!;
  clear(compareSection);
  compareSection.classList.remove('hidden');
  const codes = [1, 2, 3, 4].map((code) => {
    const cb = h('input', { type: 'checkbox', class: 'code-visible', 'data-code': code, checked: !layer.hidden.has(code) });
    cb.addEventListener('change', () => setLabelHidden(layer, code, !cb.checked));
    const [r, g, b] = layerColor(layer, code);
    return h('label', { class: 'code' }, cb, h('span', { class: 'swatch', style: `background: rgb(${r},${g},${b})` }), ' ', labelName(layer, code));
  });
  const filter = h('select', { id: 'cmp-label', title: 'Colour one label only' }, h('option', { value: '' }, 'All labels'));
  for (const c of layer.comparison ?? []) {
    filter.append(h('option', { value: String(c.label), selected: layer.compareLabel === c.label }, `${c.label} ${layer.compareNames?.get(c.label) ?? ''}`));
  }
  filter.addEventListener('change', () => startCompare(st.pred, st.ref, filter.value ? Number(filter.value) : undefined));
  const rows = (layer.comparison ?? []).map((c) =>
    h(
      'tr',
      { 'data-label': c.label, class: layer.compareLabel === c.label ? 'selected' : '' },
      h('td', { class: 'num' }, String(c.label)),
      h('td', { class: 'name' }, layer.compareNames?.get(c.label) ?? `label ${c.label}`),
      h('td', { class: 'num tp' }, fmtNumber(c.tp, 0)),
      h('td', { class: 'num fp' }, fmtNumber(c.fp, 0)),
      h('td', { class: 'num fn' }, fmtNumber(c.fn, 0)),
      h('td', { class: 'num dice' }, Number.isNaN(c.dice) ? '—' : c.dice.toFixed(4)),
    ),
  );
  compareSection.append(
    h('h3', {}, 'Compare'),
    h('div', { class: 'muted' }, `prediction ${st.pred.title} · reference ${st.ref.title}`),
    h('div', { class: 'codes' }, ...codes),
    h('div', { class: 'kv' }, h('span', {}, 'Colour'), filter),
    h(
      'table',
      { class: 'legend', id: 'cmp-table' },
      h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Label'), h('th', {}, 'TP'), h('th', {}, 'FP'), h('th', {}, 'FN'), h('th', {}, 'Dice'))),
      h('tbody', {}, ...rows),
    ),
    h('div', { class: 'muted' }, 'Voxel counts; Dice = 2TP / (2TP + FP + FN), — when the label is in neither map.'),
    h('button', { id: 'cmp-stop', onclick: () => stopCompare() }, 'Leave compare mode'),
  );
}

// ---------- views, slices, zoom ----------
const is2d = (m: ViewMode): m is ViewId => m === 'axial' || m === 'coronal' || m === 'sagittal';

function setView(id: ViewMode, save = true): void {
  viewMode = id;
  for (const b of viewButtons) b.classList.toggle('active', b.dataset.view === id);
  root.dataset.view = id;
  updateSlider();
  requestDraw();
  if (save) saveState();
}

/** The view the slider, the arrow keys and the wheel (outside a tile) move. */
function sliderView(): ViewId {
  return is2d(viewMode) ? viewMode : 'axial';
}

function updateSlider(): void {
  if (!image) return;
  const ax = image.grid.axes[viewAxes(sliderView(), radiological).s];
  const k = axisSample(ax, crosshair[viewAxes(sliderView(), radiological).s]);
  sliceSlider.max = String(ax.count - 1);
  sliceSlider.value = String(k);
  sliceLabel.textContent = `${k + 1} / ${ax.count}`;
  sliceSlider.disabled = viewMode === '3d';
}

function setSlice(view: ViewId, k: number): void {
  if (!image) return;
  cursorMovedByUser = true;
  const s = viewAxes(view, radiological).s;
  const ax = image.grid.axes[s];
  crosshair[s] = axisWorld(ax, Math.min(ax.count - 1, Math.max(0, Math.round(k))));
  crosshairMoved();
}

function moveSlice(delta: number, view: ViewId = sliderView()): void {
  if (!image) return;
  const s = viewAxes(view, radiological).s;
  setSlice(view, axisSample(image.grid.axes[s], crosshair[s]) + delta);
  drawNow();
}

function crosshairMoved(): void {
  updateReadout();
  updateSlider();
  requestDraw();
  view3d?.setCrosshair(crosshair);
}

function resetZoom(): void {
  image?.renderer.transforms.clear();
  requestDraw();
}

function tileAt(x: number, y: number): Tile | undefined {
  return tiles().tiles2d.find((t) => x >= t.x && x < t.x + t.w && y >= t.y && y < t.y + t.h);
}

sliceSlider.addEventListener('input', () => {
  setSlice(sliderView(), Number(sliceSlider.value));
  drawNow();
});

let drag: { mode: 'cursor' | 'window' | 'pan'; tile: Tile; x: number; y: number; lo: number; hi: number; panX: number; panY: number } | undefined;
canvas.addEventListener('contextmenu', (e) => e.preventDefault());
canvas.addEventListener('pointerdown', (e) => {
  if (!image) return;
  const r = canvas.getBoundingClientRect();
  const x = e.clientX - r.left;
  const y = e.clientY - r.top;
  const tile = tileAt(x, y);
  if (!tile) return;
  canvas.focus();
  canvas.setPointerCapture(e.pointerId);
  const mode = e.button === 2 || (e.button === 0 && e.shiftKey) ? 'window' : e.button === 1 || (e.button === 0 && (e.ctrlKey || e.metaKey)) ? 'pan' : 'cursor';
  const t = image.renderer.transform(tile.view);
  drag = { mode, tile, x, y, lo: style.lo, hi: style.hi, panX: t.panX, panY: t.panY };
  cursorMovedByUser = true;
  if (mode === 'cursor') {
    crosshair = image.renderer.pick(tile, crosshair, radiological, x, y);
    crosshairMoved();
  }
  e.preventDefault();
});
let hoverQueued: { x: number; y: number } | undefined;
/** Under the mouse pointer (no button): voxel, intensity and labels, without moving the cursor. */
function showHover(x: number, y: number): void {
  if (!image) return;
  const tile = tileAt(x, y);
  if (!tile) {
    hoverLine.textContent = '';
    return;
  }
  const w = image.renderer.pick(tile, crosshair, radiological, x, y);
  const { vox, idx } = voxelAt(w);
  if (!vox || idx < 0) {
    hoverLine.textContent = 'Pointer: outside the image';
    return;
  }
  const v = image.vol;
  const parts = [`Pointer: ${vox.join(', ')}`, fmtValue(v.data[idx] * v.slope + v.inter, image.preview)];
  for (const l of layers) {
    const val = l.data[idx];
    if (val && !l.isImage) parts.push(`${labelName(l, val)} (${val})`);
    else if (val && l.isImage) parts[1] = `${labelName(l, val)} (${val})`;
  }
  hoverLine.textContent = parts.join(' · ');
}
canvas.addEventListener('pointerleave', () => (hoverLine.textContent = ''));
canvas.addEventListener('pointermove', (e) => {
  if (!drag && image) {
    const r = canvas.getBoundingClientRect();
    const first = !hoverQueued;
    hoverQueued = { x: e.clientX - r.left, y: e.clientY - r.top };
    if (first) {
      requestAnimationFrame(() => {
        if (hoverQueued) showHover(hoverQueued.x, hoverQueued.y);
        hoverQueued = undefined;
      });
    }
  }
  if (!drag || !image) return;
  const r = canvas.getBoundingClientRect();
  const x = e.clientX - r.left;
  const y = e.clientY - r.top;
  if (drag.mode === 'cursor') {
    crosshair = image.renderer.pick(drag.tile, crosshair, radiological, x, y);
    crosshairMoved();
  } else if (drag.mode === 'pan') {
    const t = image.renderer.transform(drag.tile.view);
    t.panX = drag.panX + (x - drag.x);
    t.panY = drag.panY + (y - drag.y);
    requestDraw();
  } else {
    // Horizontal: window width (x2 per 150 px); vertical: level (down = brighter tissue window moves down).
    const w0 = drag.hi - drag.lo;
    const width = Math.max(1e-6, w0 * Math.exp((x - drag.x) / 150));
    const level = (drag.hi + drag.lo) / 2 - ((y - drag.y) * w0) / 300;
    presetSelect.value = '';
    setWindow(width, level, false);
  }
});
const endDrag = () => {
  if (drag?.mode === 'window') saveState();
  drag = undefined;
};
canvas.addEventListener('pointerup', endDrag);
canvas.addEventListener('pointercancel', endDrag);
canvas.addEventListener('dblclick', (e) => {
  const r = canvas.getBoundingClientRect();
  const t = tileAt(e.clientX - r.left, e.clientY - r.top);
  if (t) setView(is2d(viewMode) ? 'mpr' : t.view);
});
canvas.addEventListener(
  'wheel',
  (e) => {
    if (!image) return;
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const tile = tileAt(x, y);
    if (!tile) return;
    if (e.ctrlKey || e.metaKey) {
      // Zoom about the pointer.
      const t = image.renderer.transform(tile.view);
      const f = e.deltaY < 0 ? 1.15 : 1 / 1.15;
      const nz = Math.min(30, Math.max(0.2, t.zoom * f));
      const k = nz / t.zoom;
      const cx = tile.x + tile.w / 2 + t.panX;
      const cy = tile.y + tile.h / 2 + t.panY;
      t.panX += (x - cx) * (1 - k);
      t.panY += (y - cy) * (1 - k);
      t.zoom = nz;
      requestDraw();
    } else moveSlice(e.deltaY < 0 ? 1 : -1, tile.view);
  },
  { passive: false },
);
window.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  const view = VIEWS.find((v) => v.key === e.key);
  let handled = true;
  if (view && !e.ctrlKey && !e.altKey) setView(view.id);
  else if (e.key === 'ArrowUp' || e.key === 'PageUp') moveSlice(e.key === 'PageUp' ? 10 : 1);
  else if (e.key === 'ArrowDown' || e.key === 'PageDown') moveSlice(e.key === 'PageDown' ? -10 : -1);
  else if (e.key === 'Home') setSlice(sliderView(), 0);
  else if (e.key === 'End') setSlice(sliderView(), 1e9);
  else if (e.key === '+' || e.key === '=') zoomAll(1.25);
  else if (e.key === '-') zoomAll(0.8);
  else if (e.key === '0') resetZoom();
  else handled = false;
  if (handled) e.preventDefault();
});

function zoomAll(f: number): void {
  if (!image) return;
  for (const v of ['axial', 'coronal', 'sagittal'] as ViewId[]) {
    const t = image.renderer.transform(v);
    t.zoom = Math.min(30, Math.max(0.2, t.zoom * f));
  }
  requestDraw();
}

new ResizeObserver(() => {
  requestDraw();
  view3d?.resize();
}).observe(stage);

// ---------- window / level ----------
function showWindow(): void {
  wInput.value = fmtInput(style.hi - style.lo);
  lInput.value = fmtInput((style.hi + style.lo) / 2);
}

function fmtInput(x: number): string {
  return String(Math.round(x * 100) / 100);
}

function setWindow(width: number, level: number, save = true): void {
  if (!image || !(width > 0) || !Number.isFinite(level) || layers.some((l) => l.isImage)) return;
  style = { ...style, lo: level - width / 2, hi: level + width / 2 };
  showWindow();
  changed();
  if (save) saveState();
}

function applyPreset(id: string): void {
  const p = WINDOW_PRESETS.find((x) => x.id === id);
  if (!p || !image) return;
  if (p.auto) {
    const v = image.vol;
    const [lo, hi] = percentiles(v.data, [0.005, 0.995]).map((x) => x * v.slope + v.inter);
    setWindow(Math.max(hi - lo, 1e-6), (hi + lo) / 2);
  } else setWindow(p.width!, p.level!);
}

const onWindowInput = () => {
  presetSelect.value = '';
  setWindow(Number(wInput.value), Number(lInput.value));
};
wInput.addEventListener('change', onWindowInput);
lInput.addEventListener('change', onWindowInput);
presetSelect.addEventListener('change', () => applyPreset(presetSelect.value));
async function setColormap(name: string): Promise<void> {
  cmapSelect.value = name;
  const table = await colormapTable(name);
  style = { ...style, name, colormap: table };
  changed();
  saveState();
}
cmapSelect.addEventListener('change', () => {
  if (!layers.some((l) => l.isImage)) void setColormap(cmapSelect.value);
});
radioCheck.addEventListener('change', () => {
  radiological = radioCheck.checked;
  image?.renderer.transforms.clear();
  vscode.postMessage({ type: 'savePrefs', prefs: { radiological } });
  updateSlider();
  changed();
});
function applyPrefs(p: ViewerPrefs): void {
  radiological = p.radiological ?? true;
  radioCheck.checked = radiological;
  changed();
}

// ---------- overlays: opacity, outline ----------
opacitySlider.addEventListener('input', () => {
  opacity = Number(opacitySlider.value) / 100;
  changed();
});
opacitySlider.addEventListener('change', () => saveState());
outlineCheck.addEventListener('change', () => {
  outlineMode = outlineCheck.checked;
  changed();
  saveState();
});

// ---------- readout ----------
function gotoVoxel(vox: number[]): void {
  if (!image) return;
  crosshair = applyAffine(image.fileGrid.affine, vox);
  crosshairMoved();
  drawNow();
}

gotoInput.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  cursorMovedByUser = true;
  const v = gotoInput.value.split(/[\s,;]+/).filter(Boolean).map(Number);
  if (v.length === 3 && v.every(Number.isFinite)) gotoVoxel(v);
});

/** A value for the readout; from a preview it is the nearest sampled voxel's, so it says so. */
function fmtValue(x: number, preview = false): string {
  const s = Number.isInteger(x) ? String(x) : String(Math.round(x * 1000) / 1000);
  return preview ? `≈ ${s} (preview)` : s;
}

/**
 * The file voxel nearest to a world point (what the readout names) and the index of the drawn sample
 * there (where the drawn volume and the label layers are read): the same voxel unless a preview is shown.
 */
function voxelAt(w: number[]): { vox?: [number, number, number]; idx: number } {
  if (!image) return { idx: -1 };
  const vox = nearestVoxel(image.fileGrid, w);
  const drawn = image.preview ? nearestVoxel(image.grid, w) : vox;
  const [nx, ny] = image.vol.dims;
  return { vox, idx: vox && drawn ? drawn[0] + drawn[1] * nx + drawn[2] * nx * ny : -1 };
}

function updateReadout(): void {
  if (!image) return;
  const { vox, idx } = voxelAt(crosshair);
  const v = image.vol;
  const value = idx >= 0 ? v.data[idx] * v.slope + v.inter : undefined;
  readoutVox.textContent = vox ? vox.join(', ') : 'outside';
  readoutMm.textContent = crosshair.map((x) => x.toFixed(1)).join(', ');
  readoutVal.textContent = value !== undefined ? fmtValue(value, image.preview) : '—';
  root.dataset.vox = vox?.join(',') ?? '';
  root.dataset.value = value !== undefined ? String(value) : '';
  clear(readoutLabels);
  for (const layer of layers) {
    const val = idx >= 0 ? layer.data[idx] : undefined;
    const text = val === undefined ? 'outside' : val === 0 ? '—' : `${labelName(layer, val)} (${val})`;
    readoutLabels.append(h('div', { class: 'kv', 'data-id': layer.id }, h('span', { title: layer.id }, layer.title), h('span', { class: 'ro-label' }, text)));
  }
}

function showInfo(): void {
  if (!image) return;
  const v = image.vol;
  const rows: [string, string][] = [
    ['File', image.name],
    ['Size', image.fileGrid.dims.join(' × ') + (v.frames > 1 ? ` (${v.frames} volumes; showing the first)` : '')],
    ['Spacing (mm)', v.pixdim.map((x) => Math.round(x * 1000) / 1000).join(' × ')],
    ['Data type', v.datatype],
    ['Oblique', obliqueDegrees(image.grid) > 0.1 ? `${obliqueDegrees(image.grid).toFixed(1)}° (resampled to world axes)` : 'no'],
  ];
  if (v.preview) {
    rows.push(['Showing', `preview ${v.dims.join(' × ')} (every ${v.preview.factors.join(' × ')} voxels); the full image is loading`]);
  }
  clear(infoSection);
  infoSection.append(
    h('h3', {}, 'Image'),
    ...rows.map(([k, val]) => h('div', { class: k === 'Showing' ? 'kv preview' : 'kv', id: k === 'Showing' ? 'info-preview' : undefined }, h('span', {}, k), h('span', {}, val))),
  );
}

/** Largest angle between a voxel axis and its nearest world axis. */
function obliqueDegrees(grid: DisplayGrid): number {
  let worst = 0;
  for (let p = 0; p < 3; p++) {
    const col = [grid.affine[0][p], grid.affine[1][p], grid.affine[2][p]];
    const n = Math.hypot(col[0], col[1], col[2]) || 1;
    const c = Math.max(...col.map((x) => Math.abs(x) / n));
    worst = Math.max(worst, (Math.acos(Math.min(1, c)) * 180) / Math.PI);
  }
  return worst;
}

// ---------- messages ----------
window.addEventListener('message', (e: MessageEvent<HostToViewer>) => {
  const m = e.data;
  switch (m.type) {
    case 'volume':
      onVolume(m);
      break;
    case 'preview':
      onPreview(m);
      break;
    case 'info':
      serial(async () => onInfo(m));
      break;
    case 'error':
      if (!m.id || m.id === source.image) showError(m.message);
      else note(m.message, m.id);
      break;
    case 'compare':
      wantCompare = { predictionId: m.predictionId, referenceId: m.referenceId };
      serial(async () => maybeCompare());
      break;
    case 'prefs':
      applyPrefs(m.prefs);
      break;
  }
});

window.addEventListener('securitypolicyviolation', (e) => {
  log('error', `CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
  root.dataset.cspViolations = String(Number(root.dataset.cspViolations ?? 0) + 1);
});

installBench({
  canvas,
  moveSlice,
  drawNow,
  setCrosshairVisible: (v) => (showCrosshair = v),
  layers,
  setLabelHidden,
  setView: (v) => setView(v as ViewMode),
  gotoVoxel,
  transforms: () => Object.fromEntries(image?.renderer.transforms ?? []),
  releaseFull: () => releaseFull?.(),
});
setView(viewMode, false);
vscode.postMessage({ type: 'ready' });
