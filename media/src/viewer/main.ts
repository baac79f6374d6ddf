/**
 * The nnSeg viewer webview: niivue (WebGL2) renders the image and the label maps; this file adds the
 * segmentation-review UI around it (legend, per-label visibility and statistics, compare mode,
 * window/level presets, crosshair readout) and talks to the extension host.
 */
import { DRAG_MODE, MULTIPLANAR_TYPE, NVImage, Niivue, SHOW_RENDER, SLICE_TYPE } from '@niivue/niivue';
import { applyAffine, invertAffine, Mat4, voxelVolumeMm3, worldToVoxel } from '../../../client/src/viewer/affine';
import { WINDOW_PRESETS, looksLikeCT } from '../../../client/src/viewer/labelColors';
import { compareLabelMaps, gridMismatch, labelCounts, percentiles } from '../../../client/src/viewer/labelStats';
import type { HostToViewer, InfoMessage, ViewerPrefs, ViewerState, VolumeMessage } from '../../../client/src/viewer/messages';
import { clear, fmtNumber, h } from '../common/dom';
import { vscodeApi } from '../common/vscodeApi';
import { installBench } from './bench';
import { LabelLayer, applyLut, labelName, layerColor, parseLabelNames } from './layers';
import './viewer.css';

const vscode = vscodeApi<ViewerState>();
const saved: ViewerState = vscode.getState() ?? {};

interface Views {
  id: string;
  title: string;
  key: string;
  sliceType: SLICE_TYPE;
  render?: boolean;
}
const VIEWS: Views[] = [
  { id: 'axial', title: 'Axial', key: '1', sliceType: SLICE_TYPE.AXIAL },
  { id: 'coronal', title: 'Coronal', key: '2', sliceType: SLICE_TYPE.CORONAL },
  { id: 'sagittal', title: 'Sagittal', key: '3', sliceType: SLICE_TYPE.SAGITTAL },
  { id: 'mpr', title: 'MPR', key: '4', sliceType: SLICE_TYPE.MULTIPLANAR },
  { id: 'mpr3d', title: 'MPR + 3D', key: '5', sliceType: SLICE_TYPE.MULTIPLANAR, render: true },
  { id: '3d', title: '3D', key: '6', sliceType: SLICE_TYPE.RENDER },
];
const COLORMAPS = ['gray', 'bone', 'hot', 'viridis', 'inferno', 'plasma', 'winter', 'warm', 'cool', 'jet'];

// ---------- DOM ----------
const canvas = h('canvas', { id: 'gl', tabindex: 0 });
const errorBox = h('div', { class: 'error hidden', id: 'error', role: 'alert' });
const busy = h('div', { class: 'busy', id: 'busy' }, 'Loading…');
const stage = h('div', { class: 'stage', id: 'stage' }, canvas, errorBox, busy);
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
const radioCheck = h('input', { type: 'checkbox', id: 'radiological' });
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
);
const opacitySlider = h('input', { type: 'range', id: 'opacity', min: 0, max: 100, value: Math.round((saved.opacity ?? 0.6) * 100) });
const outlineCheck = h('input', { type: 'checkbox', id: 'outline' });
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
const side = h('aside', { class: 'side' }, readout, overlaysSection, compareSection, infoSection);
const root = h('div', { class: 'viewer', id: 'nnseg-viewer' }, toolbar, h('div', { class: 'main' }, h('div', { class: 'left' }, stage, sliceBar), side));
document.getElementById('app')!.append(root);

// ---------- state ----------
const nv = new Niivue({
  backColor: [0, 0, 0, 1],
  isOrientationTextVisible: true,
  showAllOrientationMarkers: true,
  isColorbar: false,
  dragAndDropEnabled: false,
  show3Dcrosshair: true,
  multiplanarShowRender: SHOW_RENDER.NEVER,
  multiplanarLayout: MULTIPLANAR_TYPE.GRID,
  crosshairColor: [1, 0.85, 0, 0.9],
  crosshairGap: 8,
  logLevel: 'warn',
  loadingText: '',
  isRadiologicalConvention: true,
  // Left: place/drag the crosshair; right or Shift+left: window/level; middle or Ctrl+left: pan.
  mouseEventConfig: {
    leftButton: { primary: DRAG_MODE.crosshair, withShift: DRAG_MODE.windowing, withCtrl: DRAG_MODE.pan },
    rightButton: DRAG_MODE.windowing,
    centerButton: DRAG_MODE.pan,
  },
});

let image: { id: string; name: string; vol: NVImage; inverse: Mat4; dims: number[]; scaled: (raw: number) => number } | undefined;
const layers: LabelLayer[] = [];
const infos = new Map<string, InfoMessage>();
const pending = new Map<string, VolumeMessage>();
let compareLayer: LabelLayer | undefined;
let viewId = 'axial';
let opacity = (saved.opacity ?? 0.6);
let firstFrameReported = false;
const source: NonNullable<ViewerState['source']> = saved.source ?? { image: '', overlays: [] };

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
    view: VIEWS.findIndex((v) => v.id === viewId),
    windowCenter: image ? (image.vol.cal_max! + image.vol.cal_min!) / 2 : undefined,
    windowWidth: image ? image.vol.cal_max! - image.vol.cal_min! : undefined,
    colormap: cmapSelect.value,
    opacity,
    outline: outlineCheck.checked,
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
  throw new Error(`unexpected file data (${Object.prototype.toString.call(x)} ${Object.keys(x as object).slice(0, 6).join(",")} ${JSON.stringify(x).slice(0, 200)})`);
}

async function decode(m: VolumeMessage): Promise<NVImage> {
  const vol = await NVImage.new(
    toArrayBuffer(m.bytes),
    m.name,
    'gray',
    1,
    m.paired ? toArrayBuffer(m.paired) : null,
    NaN,
    NaN,
    true,
    0.02,
    false,
    false,
    '',
    0,
    0,
    NaN,
    NaN,
    false,
    null,
    0,
    null,
  );
  if (!vol || !vol.hdr || !vol.img) throw new Error('not a readable NIfTI/Analyze volume');
  return vol;
}

function affineOf(vol: NVImage): Mat4 {
  const a = (vol.hdr as unknown as { affine: number[][] }).affine;
  return a.map((r) => r.slice(0, 4));
}

function dimsOf(vol: NVImage): number[] {
  return vol.hdr!.dims.slice(1, 4).map((d) => Math.max(1, d));
}

function scaler(vol: NVImage): (raw: number) => number {
  const slope = vol.hdr!.scl_slope;
  const inter = vol.hdr!.scl_inter;
  if (!Number.isFinite(slope) || slope === 0) return (x) => x;
  const b = Number.isFinite(inter) ? inter : 0;
  return (x) => x * slope + b;
}

/** Label values of a volume (applying scl_slope/inter when the file uses them). */
function labelData(vol: NVImage): ArrayLike<number> {
  const s = scaler(vol);
  const img = vol.img as ArrayLike<number>;
  if (s(1) === 1 && s(0) === 0) return img;
  const out = new Float32Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = s(img[i]);
  return out;
}

/** Without the backend's answer: an integer volume with few distinct values is a label map. */
function looksLikeLabels(vol: NVImage): boolean {
  const code = vol.hdr!.datatypeCode;
  const integer = [2, 4, 8, 256, 512, 768].includes(code);
  if (!integer) return false;
  const img = vol.img as ArrayLike<number>;
  const seen = new Set<number>();
  const stride = Math.max(1, Math.floor(img.length / 2_000_000));
  for (let i = 0; i < img.length; i += stride) {
    seen.add(img[i]);
    if (seen.size > 64) return false;
  }
  return true;
}

function onVolume(m: VolumeMessage): void {
  const receivedAt = Date.now();
  if (m.role === 'image') source.image = m.id;
  else if (!m.compareRole && !source.overlays.includes(m.id)) source.overlays.push(m.id);
  serial(async () => {
    let vol: NVImage;
    try {
      vol = await decode(m);
    } catch (e) {
      const info = infos.get(m.id);
      const why = info && !info.ok && info.error ? info.error : `Cannot display ${m.name}: ${e instanceof Error ? e.message : String(e)}`;
      if (m.role === 'image') showError(why);
      else note(why, m.id);
      pending.set(m.id, m);
      return;
    }
    const decodedAt = Date.now();
    if (m.role === 'image') await showImage(m, vol, receivedAt, decodedAt);
    else addLabelLayer(m, vol);
    saveState();
  });
}

async function showImage(m: VolumeMessage, vol: NVImage, receivedAt: number, decodedAt: number): Promise<void> {
  const affine = affineOf(vol);
  image = { id: m.id, name: m.name, vol, inverse: invertAffine(affine), dims: dimsOf(vol), scaled: scaler(vol) };
  const info = infos.get(m.id);
  const asLabels = info?.isLabelMap ?? looksLikeLabels(vol);
  if (!asLabels) initWindow(vol);
  nv.addVolume(vol);
  if (asLabels) makeImageLabels(vol, info);
  setView(VIEWS[saved.view ?? -1]?.id ?? viewId, false);
  busy.classList.add('hidden');
  showInfo();
  updateSlider();
  updateReadout();
  // The first frame is on screen after the next animation frame.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      const now = Date.now();
      if (!firstFrameReported) {
        firstFrameReported = true;
        const ms = now - m.openedAt;
        root.dataset.firstFrameMs = String(ms);
        root.dataset.timing = JSON.stringify({ transfer: receivedAt - m.openedAt, decode: decodedAt - receivedAt, upload: now - decodedAt, total: ms });
        vscode.postMessage({ type: 'firstFrame', id: m.id, ms });
      }
      root.dataset.ready = '1';
    }),
  );
}

function initWindow(vol: NVImage): void {
  const data = vol.img as ArrayLike<number>;
  const s = scaler(vol);
  const [p0, p005, p995] = percentiles(data, [0, 0.005, 0.995]).map(s);
  let lo = p005;
  let hi = p995;
  if (looksLikeCT(p0, p005)) {
    presetSelect.value = 'ct-soft';
    lo = 40 - 200;
    hi = 40 + 200;
  } else presetSelect.value = 'auto';
  if (saved.windowWidth !== undefined && saved.windowCenter !== undefined && source.image === image?.id) {
    lo = saved.windowCenter - saved.windowWidth / 2;
    hi = saved.windowCenter + saved.windowWidth / 2;
  }
  if (!(hi > lo)) hi = lo + 1;
  vol.cal_min = lo;
  vol.cal_max = hi;
  if (saved.colormap && COLORMAPS.includes(saved.colormap)) {
    vol.colormap = saved.colormap;
    cmapSelect.value = saved.colormap;
  }
  showWindow();
}

function makeImageLabels(vol: NVImage, info?: InfoMessage): void {
  const layer: LabelLayer = {
    id: image!.id,
    title: image!.name,
    kind: 'labels',
    vol,
    names: parseLabelNames(info?.labelNames),
    hidden: new Set(saved.hidden?.[image!.id] ?? []),
    visible: true,
  };
  if (layers.some((l) => l.id === layer.id)) return;
  layers.unshift(layer);
  applyLut(layer);
  nv.updateGLVolume();
  computeStatsLater(layer);
  renderLayers();
}

function addLabelLayer(m: VolumeMessage, vol: NVImage): void {
  if (!image) {
    note(`${m.name} is not shown: the image under it could not be opened.`, m.id);
    return;
  }
  const why = gridMismatch({ dims: dimsOf(vol), affine: affineOf(vol) }, { dims: image.dims, affine: affineOf(image.vol) });
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
    vol,
    names: parseLabelNames(info?.labelNames),
    hidden: new Set(saved.hidden?.[m.id] ?? []),
    visible: true,
  };
  (layer as LabelLayer & { compareRole?: string }).compareRole = m.compareRole;
  layers.push(layer);
  applyLut(layer);
  vol.opacity = opacity;
  nv.addVolume(vol);
  computeStatsLater(layer);
  renderLayers();
  maybeCompare();
}

function onInfo(m: InfoMessage): void {
  infos.set(m.id, m);
  if (!m.ok) {
    const why = m.error ?? 'the backend could not read this file';
    if (m.id === source.image && !image) showError(why);
    else if (!layers.some((l) => l.id === m.id)) {
      // Replace a webview-side decode error with the backend's clearer one.
      for (const n of notes.querySelectorAll<HTMLElement>(`.note[data-id="${CSS.escape(m.id)}"]`)) n.remove();
      if (pending.has(m.id)) note(why, m.id);
    }
    if (pending.has(m.id) && m.id === source.image) showError(why);
    return;
  }
  const layer = layers.find((l) => l.id === m.id);
  if (layer && m.labelNames) {
    layer.names = parseLabelNames(m.labelNames);
    applyLut(layer);
    refreshLayer(layer);
    renderLayers();
  } else if (!layer && image && m.id === image.id && m.isLabelMap && !layers.some((l) => l.id === image!.id)) {
    makeImageLabels(image.vol, m);
  }
}

function computeStatsLater(layer: LabelLayer): void {
  setTimeout(() => {
    const vv = voxelVolumeMm3(affineOf(layer.vol));
    layer.stats = labelCounts(labelData(layer.vol), vv, dimsOf(layer.vol));
    applyLut(layer);
    renderLayers();
    root.dataset.stats = String(layers.filter((l) => l.stats).length);
  }, 0);
}

// ---------- rendering updates ----------
function layerIndex(layer: LabelLayer): number {
  return nv.volumes.indexOf(layer.vol);
}

/** Re-bake only the changed layers (niivue's updateGLVolume would also re-upload the image). */
function refreshLayer(layer: LabelLayer): void {
  const idx = layerIndex(layer);
  if (idx < 0) return;
  if (idx === 0) nv.refreshLayers(nv.volumes[0], 0);
  else refreshOverlays();
  nv.drawScene();
}

function refreshOverlays(): void {
  for (let i = 1; i < nv.volumes.length; i++) nv.refreshLayers(nv.volumes[i], i);
  nv.drawScene();
}

function layerOpacity(layer: LabelLayer): number {
  if (layerIndex(layer) === 0) return 1;
  return layer.visible ? opacity : 0;
}

function setLayerVisible(layer: LabelLayer, visible: boolean): void {
  layer.visible = visible;
  layer.vol.opacity = layerOpacity(layer);
  refreshLayer(layer);
}

function setLabelHidden(layer: LabelLayer, label: number, hidden: boolean): void {
  if (hidden) layer.hidden.add(label);
  else layer.hidden.delete(label);
  applyLut(layer);
  refreshLayer(layer);
  saveState();
}

// ---------- legend ----------
function renderLayers(): void {
  clear(layerList);
  for (const layer of layers) {
    if (layer.kind === 'compare') continue;
    layerList.append(renderLayer(layer));
  }
  if (compareLayer) renderCompare();
  else renderCompareChooser();
}

function renderLayer(layer: LabelLayer): HTMLElement {
  const isImage = layerIndex(layer) === 0;
  const vis = h('input', { type: 'checkbox', class: 'layer-visible', checked: layer.visible, disabled: isImage });
  vis.addEventListener('change', () => setLayerVisible(layer, vis.checked));
  const rows = (layer.stats ?? [...layer.names.keys()].sort((a, b) => a - b).map((label) => ({ label, voxels: NaN, volumeMm3: NaN, centroid: undefined })))
    .map((s) => {
      const cb = h('input', { type: 'checkbox', class: 'label-visible', 'data-label': s.label, checked: !layer.hidden.has(s.label) });
      cb.addEventListener('change', () => setLabelHidden(layer, s.label, !cb.checked));
      const [r, g, b] = layerColor(layer, s.label);
      const go = s.centroid
        ? h('button', { class: 'goto', title: 'Go to the centre of this label', onclick: () => gotoVoxel(s.centroid!.map(Math.round), layer.vol) }, '⌖')
        : '';
      return h(
        'tr',
        { 'data-label': s.label },
        h('td', {}, cb),
        h('td', {}, h('span', { class: 'swatch', style: `background: rgb(${r},${g},${b})` })),
        h('td', { class: 'num' }, String(s.label)),
        h('td', { class: 'name' }, labelName(layer, s.label)),
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
  const all = h('button', { class: 'small', onclick: () => setAllHidden(layer, false) }, 'Show all');
  const none = h('button', { class: 'small', onclick: () => setAllHidden(layer, true) }, 'Hide all');
  return h(
    'div',
    { class: 'layer', 'data-id': layer.id },
    h('div', { class: 'layer-head' }, h('label', { title: layer.id }, vis, ' ', layer.title), all, none),
    layer.stats || layer.names.size ? table : h('div', { class: 'muted' }, 'Counting labels…'),
  );
}

function setAllHidden(layer: LabelLayer, hidden: boolean): void {
  layer.hidden.clear();
  if (hidden) for (const s of layer.stats ?? []) layer.hidden.add(s.label);
  applyLut(layer);
  refreshLayer(layer);
  renderLayers();
  saveState();
}

// ---------- compare mode ----------
let wantCompare: { predictionId: string; referenceId: string } | undefined;

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
  const candidates = layers.filter((l) => l.kind === 'labels' && layerIndex(l) > 0);
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

interface CompareState {
  pred: LabelLayer;
  ref: LabelLayer;
}
let compareState: CompareState | undefined;

function startCompare(pred: LabelLayer, ref: LabelLayer, onlyLabel?: number): void {
  const why = gridMismatch({ dims: dimsOf(pred.vol), affine: affineOf(pred.vol) }, { dims: dimsOf(ref.vol), affine: affineOf(ref.vol) });
  if (why) {
    note(`Cannot compare ${pred.title} with ${ref.title}: ${why}.`);
    return;
  }
  const t0 = performance.now();
  const result = compareLabelMaps(labelData(pred.vol), labelData(ref.vol), onlyLabel);
  const vol = new NVImage();
  vol.name = 'compare';
  vol.hdr = Object.assign(Object.create(Object.getPrototypeOf(pred.vol.hdr)), pred.vol.hdr, {
    datatypeCode: 2,
    numBitsPerVoxel: 8,
    scl_slope: 1,
    scl_inter: 0,
    cal_min: 0,
    cal_max: 4,
  });
  vol.img = result.codes;
  vol.calculateRAS();
  vol.calMinMax();
  const names = new Map<number, string>();
  for (const l of [pred, ref]) for (const [k, v] of l.names) if (!names.has(k)) names.set(k, v);
  const layer: LabelLayer = {
    id: 'compare',
    title: `${pred.title} vs ${ref.title}`,
    kind: 'compare',
    vol,
    names: new Map(),
    hidden: new Set(compareLayer?.hidden ?? []),
    visible: true,
    comparison: result.perLabel,
    compareLabel: onlyLabel,
    compareNames: names,
  };
  if (compareLayer) {
    nv.removeVolume(compareLayer.vol);
    layers.splice(layers.indexOf(compareLayer), 1);
  }
  compareLayer = layer;
  compareState = { pred, ref };
  applyLut(layer);
  vol.opacity = opacity;
  for (const l of [pred, ref]) {
    l.visible = false;
    l.vol.opacity = 0;
  }
  layers.push(layer);
  nv.addVolume(vol);
  root.dataset.compareMs = String(Math.round(performance.now() - t0));
  renderLayers();
}

function stopCompare(): void {
  if (!compareLayer || !compareState) return;
  nv.removeVolume(compareLayer.vol);
  layers.splice(layers.indexOf(compareLayer), 1);
  compareLayer = undefined;
  for (const l of [compareState.pred, compareState.ref]) {
    l.visible = true;
    l.vol.opacity = opacity;
  }
  compareState = undefined;
  nv.updateGLVolume();
  renderLayers();
}

function renderCompare(): void {
  const layer = compareLayer!;
  const st = compareState!;
  clear(compareSection);
  compareSection.classList.remove('hidden');
  const codeCounts = [0, 0, 0, 0, 0];
  for (const c of layer.comparison ?? []) {
    codeCounts[1] += c.tp;
    codeCounts[2] += c.fp;
    codeCounts[3] += c.fn;
  }
  const codes = [1, 2, 3, 4].map((code) => {
    const cb = h('input', { type: 'checkbox', class: 'code-visible', 'data-code': code, checked: !layer.hidden.has(code) });
    cb.addEventListener('change', () => setLabelHidden(layer, code, !cb.checked));
    const [r, g, b] = layerColor(layer, code);
    return h('label', { class: 'code' }, cb, h('span', { class: 'swatch', style: `background: rgb(${r},${g},${b})` }), ' ', labelName(layer, code));
  });
  const filter = h('select', { id: 'cmp-label', title: 'Colour one label only' }, h('option', { value: '' }, 'All labels'));
  for (const c of layer.comparison ?? []) {
    filter.append(h('option', { value: String(c.label), selected: layer.compareLabel === c.label }, `${c.label} ${st.ref.names.get(c.label) ?? st.pred.names.get(c.label) ?? ''}`));
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
function currentView(): Views {
  return VIEWS.find((v) => v.id === viewId) ?? VIEWS[0];
}

function setView(id: string, save = true): void {
  viewId = id;
  const v = currentView();
  nv.opts.multiplanarShowRender = v.render ? SHOW_RENDER.ALWAYS : SHOW_RENDER.NEVER;
  nv.setSliceType(v.sliceType);
  for (const b of viewButtons) b.classList.toggle('active', b.dataset.view === id);
  root.dataset.view = id;
  updateSlider();
  if (save) saveState();
}

/** The RAS axis the slider moves: z for axial (and MPR), y for coronal, x for sagittal. */
function sliceAxis(): number {
  const st = currentView().sliceType;
  return st === SLICE_TYPE.CORONAL ? 1 : st === SLICE_TYPE.SAGITTAL ? 0 : 2;
}

function rasDims(): number[] {
  const d = image?.vol.dimsRAS;
  return d ? [d[1], d[2], d[3]] : [1, 1, 1];
}

function updateSlider(): void {
  if (!image) return;
  const ax = sliceAxis();
  const n = rasDims()[ax];
  const k = Math.min(n - 1, Math.max(0, Math.floor(nv.scene.crosshairPos[ax] * n)));
  sliceSlider.max = String(n - 1);
  sliceSlider.value = String(k);
  sliceLabel.textContent = `${k + 1} / ${n}`;
  sliceSlider.disabled = currentView().sliceType === SLICE_TYPE.RENDER;
}

function setSlice(k: number): void {
  if (!image) return;
  const ax = sliceAxis();
  const n = rasDims()[ax];
  const kk = Math.min(n - 1, Math.max(0, Math.round(k)));
  const pos = nv.scene.crosshairPos;
  pos[ax] = (kk + 0.5) / n;
  nv.drawScene();
  nv.createOnLocationChange();
}

function moveSlice(delta: number): void {
  const ax = sliceAxis();
  const n = rasDims()[ax];
  setSlice(Math.floor(nv.scene.crosshairPos[ax] * n) + delta);
}

function zoomBy(factor: number): void {
  const p = nv.scene.pan2Dxyzmm;
  nv.setPan2Dxyzmm([p[0], p[1], p[2], Math.min(20, Math.max(0.2, p[3] * factor))]);
}

function resetZoom(): void {
  nv.setPan2Dxyzmm([0, 0, 0, 1]);
}

sliceSlider.addEventListener('input', () => setSlice(Number(sliceSlider.value)));
stage.addEventListener(
  'wheel',
  (e) => {
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      e.stopPropagation();
      zoomBy(e.deltaY < 0 ? 1.15 : 1 / 1.15);
    }
  },
  { capture: true, passive: false },
);
window.addEventListener(
  'keydown',
  (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    const view = VIEWS.find((v) => v.key === e.key);
    let handled = true;
    if (view && !e.ctrlKey && !e.altKey) setView(view.id);
    else if (e.key === 'ArrowUp' || e.key === 'PageUp') moveSlice(e.key === 'PageUp' ? 10 : 1);
    else if (e.key === 'ArrowDown' || e.key === 'PageDown') moveSlice(e.key === 'PageDown' ? -10 : -1);
    else if (e.key === 'Home') setSlice(0);
    else if (e.key === 'End') setSlice(rasDims()[sliceAxis()] - 1);
    else if (e.key === '+' || e.key === '=') zoomBy(1.25);
    else if (e.key === '-') zoomBy(0.8);
    else if (e.key === '0') resetZoom();
    else if (e.code === 'KeyM' || (e.code === 'Slash' && e.shiftKey)) handled = true; // niivue's drag-mode cycling and version alert
    else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  },
  { capture: true },
);

// ---------- window / level ----------
function showWindow(): void {
  if (!image) return;
  const { cal_min: lo, cal_max: hi } = image.vol;
  wInput.value = fmtInput(hi! - lo!);
  lInput.value = fmtInput((hi! + lo!) / 2);
}

function fmtInput(x: number): string {
  return String(Math.round(x * 100) / 100);
}

function setWindow(width: number, level: number): void {
  if (!image || !(width > 0) || !Number.isFinite(level)) return;
  image.vol.cal_min = level - width / 2;
  image.vol.cal_max = level + width / 2;
  nv.refreshLayers(nv.volumes[0], 0);
  nv.drawScene();
  showWindow();
  saveState();
}

function applyPreset(id: string): void {
  const p = WINDOW_PRESETS.find((x) => x.id === id);
  if (!p || !image) return;
  if (p.auto) {
    const [lo, hi] = percentiles(image.vol.img as ArrayLike<number>, [0.005, 0.995]).map(image.scaled);
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
cmapSelect.addEventListener('change', () => {
  if (!image || layerIndex(layers[0] ?? ({} as LabelLayer)) === 0) return;
  nv.setColormap(image.vol.id, cmapSelect.value);
  saveState();
});
nv.onIntensityChange = () => {
  presetSelect.value = '';
  showWindow();
  saveState();
};
radioCheck.addEventListener('change', () => {
  nv.setRadiologicalConvention(radioCheck.checked);
  vscode.postMessage({ type: 'savePrefs', prefs: { radiological: radioCheck.checked } });
});
function applyPrefs(p: ViewerPrefs): void {
  const radio = p.radiological ?? true;
  radioCheck.checked = radio;
  nv.setRadiologicalConvention(radio);
}

// ---------- overlays: opacity, outline ----------
let opacityQueued = false;
opacitySlider.addEventListener('input', () => {
  opacity = Number(opacitySlider.value) / 100;
  if (opacityQueued) return;
  opacityQueued = true;
  requestAnimationFrame(() => {
    opacityQueued = false;
    for (const l of layers) if (layerIndex(l) > 0) l.vol.opacity = layerOpacity(l);
    refreshOverlays();
    saveState();
  });
});
outlineCheck.addEventListener('change', () => {
  nv.setAtlasOutline(outlineCheck.checked ? 1 : 0);
  saveState();
});

// ---------- readout ----------
function gotoVoxel(vox: number[], vol: NVImage = image!.vol): void {
  if (!image) return;
  const mm = applyAffine(affineOf(vol), vox);
  const frac = nv.mm2frac(mm, 0, true);
  nv.scene.crosshairPos = frac;
  nv.drawScene();
  nv.createOnLocationChange();
}

gotoInput.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  const v = gotoInput.value.split(/[\s,;]+/).filter(Boolean).map(Number);
  if (v.length === 3 && v.every(Number.isFinite)) gotoVoxel(v);
});

function valueAt(vol: NVImage, inverse: Mat4, mm: number[]): { vox?: [number, number, number]; value?: number } {
  const dims = dimsOf(vol);
  const vox = worldToVoxel(inverse, mm, dims);
  if (!vox) return {};
  const img = vol.img as ArrayLike<number>;
  const raw = img[vox[0] + vox[1] * dims[0] + vox[2] * dims[0] * dims[1]];
  return { vox, value: scaler(vol)(raw) };
}

function fmtValue(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return String(Math.round(x * 1000) / 1000);
}

function updateReadout(): void {
  if (!image) return;
  const mm4 = nv.frac2mm(nv.scene.crosshairPos, 0, true);
  const mm = [mm4[0], mm4[1], mm4[2]];
  const here = valueAt(image.vol, image.inverse, mm);
  readoutVox.textContent = here.vox ? here.vox.join(', ') : 'outside';
  readoutMm.textContent = mm.map((x) => x.toFixed(1)).join(', ');
  readoutVal.textContent = here.value !== undefined ? fmtValue(here.value) : '—';
  root.dataset.vox = here.vox?.join(',') ?? '';
  root.dataset.value = here.value !== undefined ? String(here.value) : '';
  clear(readoutLabels);
  for (const layer of layers) {
    const at = layer.kind === 'compare' ? valueAt(layer.vol, invertAffine(affineOf(layer.vol)), mm) : valueAt(layer.vol, invertAffine(affineOf(layer.vol)), mm);
    const v = at.value === undefined ? undefined : Math.round(at.value);
    const text = v === undefined ? 'outside' : v === 0 ? '—' : `${labelName(layer, v)} (${v})`;
    readoutLabels.append(h('div', { class: 'kv', 'data-id': layer.id }, h('span', { title: layer.id }, layer.title), h('span', { class: 'ro-label' }, text)));
  }
}

nv.onLocationChange = () => {
  updateReadout();
  updateSlider();
};
nv.onSliceTypeChange = (st) => {
  const v = VIEWS.find((x) => x.sliceType === st && !!x.render === (nv.opts.multiplanarShowRender === SHOW_RENDER.ALWAYS));
  if (v && v.id !== viewId) {
    viewId = v.id;
    for (const b of viewButtons) b.classList.toggle('active', b.dataset.view === viewId);
    root.dataset.view = viewId;
    updateSlider();
  }
};

function showInfo(): void {
  if (!image) return;
  const hdr = image.vol.hdr!;
  const px = hdr.pixDims.slice(1, 4).map((x) => Math.round(x * 1000) / 1000);
  const rows: [string, string][] = [
    ['File', image.name],
    ['Size', hdr.dims.slice(1, 1 + Math.max(3, hdr.dims[0])).join(' × ')],
    ['Spacing (mm)', px.join(' × ')],
    ['Data type', datatypeName(hdr.datatypeCode)],
    ['Oblique', image.vol.oblique_angle ? `${image.vol.oblique_angle.toFixed(1)}°` : 'no'],
  ];
  clear(infoSection);
  infoSection.append(h('h3', {}, 'Image'), ...rows.map(([k, v]) => h('div', { class: 'kv' }, h('span', {}, k), h('span', {}, v))));
}

function datatypeName(code: number): string {
  const names: Record<number, string> = { 2: 'uint8', 4: 'int16', 8: 'int32', 16: 'float32', 32: 'complex64', 64: 'float64', 128: 'rgb24', 256: 'int8', 512: 'uint16', 768: 'uint32', 2304: 'rgba32' };
  return names[code] ?? `code ${code}`;
}

// ---------- messages ----------
window.addEventListener('message', (e: MessageEvent<HostToViewer>) => {
  const m = e.data;
  switch (m.type) {
    case 'volume':
      onVolume(m);
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

async function start(): Promise<void> {
  if (saved.outline) {
    outlineCheck.checked = true;
    nv.opts.atlasOutline = 1;
  }
  try {
    await nv.attachToCanvas(canvas);
  } catch (e) {
    showError(`WebGL2 is not available in this editor: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  installBench({ nv, moveSlice, layers, setLabelHidden, refreshOverlays, setView, gotoVoxel });
  vscode.postMessage({ type: 'ready' });
}

void start();
