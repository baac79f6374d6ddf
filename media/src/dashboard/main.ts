/**
 * The training dashboard webview: uPlot charts of loss, pseudo-Dice per label, learning rate and epoch
 * time, the job's state and a cancel button. The host sends a snapshot on open and events after.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DashboardJob, DashboardState, HostToDashboard } from '../../../client/src/dashboard/messages';
import { bestEpoch } from '../../../client/src/dashboard/metrics';
import { addPoint } from '../../../client/src/dashboard/metrics';
import type { JobInfo } from '../../../server/src/protocol';
import { clear, fmtNumber, h } from '../common/dom';
import { vscodeApi } from '../common/vscodeApi';
import './dashboard.css';

const vscode = vscodeApi<DashboardState>();
const state: DashboardState = vscode.getState() ?? {};
const jobs = new Map<string, DashboardJob>();
let selected: string | undefined = state.selected;

const jobSelect = h('select', { id: 'job' });
const stateBadge = h('span', { id: 'state', class: 'badge' });
const cancelBtn = h('button', { id: 'cancel', title: 'Cancel this job' }, 'Cancel');
const progress = h('progress', { id: 'progress', max: 1, value: 0 });
const message = h('span', { id: 'message', class: 'muted' });
const summary = h('div', { id: 'summary', class: 'summary' });
const charts = h('div', { class: 'charts' });
const empty = h('div', { id: 'empty', class: 'empty' }, 'No training job yet. Start one with "nnSeg: Train"; its loss, pseudo-Dice, learning rate and epoch time appear here live.');
document.getElementById('app')!.append(
  h('div', { class: 'dashboard', id: 'nnseg-dashboard' }, h('div', { class: 'head' }, jobSelect, stateBadge, progress, message, cancelBtn), summary, empty, charts),
);

jobSelect.addEventListener('change', () => select(jobSelect.value));
cancelBtn.addEventListener('click', () => {
  if (selected) {
    cancelBtn.disabled = true;
    vscode.postMessage({ type: 'cancel', jobId: selected });
  }
});

function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

const X: uPlot.Series = { label: 'epoch' };
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

interface Chart {
  id: string;
  title: string;
  plot?: uPlot;
  box: HTMLElement;
  seriesKey: string;
}
const chartDefs: { id: string; title: string; log?: boolean }[] = [
  { id: 'loss', title: 'Loss (train, validation)' },
  { id: 'dice', title: 'Pseudo-Dice per label (validation)' },
  { id: 'lr', title: 'Learning rate', log: true },
  { id: 'time', title: 'Epoch time (s)' },
];
const chartEls: Chart[] = chartDefs.map((d) => {
  const box = h('div', { class: 'chart', id: `chart-${d.id}` });
  charts.append(h('section', {}, h('h3', {}, d.title), box));
  return { id: d.id, title: d.title, box, seriesKey: '' };
});

function labelNames(job: DashboardJob, n: number): string[] {
  const names = (job.info.result as { labelNames?: unknown } | undefined)?.labelNames;
  return Array.from({ length: n }, (_, i) => (Array.isArray(names) && typeof names[i] === 'string' ? names[i] : `label ${i + 1}`));
}

/** uPlot data (x = epoch, then one array per series) and series definitions of one chart. */
function seriesOf(job: DashboardJob, id: string): { data: uPlot.AlignedData; series: uPlot.Series[] } {
  const p = job.points;
  const x = p.map((q) => q.epoch);
  const col = (f: (q: (typeof p)[number]) => number | undefined) => p.map((q) => f(q) ?? null) as (number | null)[];
  const line = (label: string, i: number, dash?: number[]): uPlot.Series => ({ label, stroke: PALETTE[i % PALETTE.length], width: 1.5, dash, spanGaps: true });
  if (id === 'loss') {
    return { data: [x, col((q) => q.trainLoss), col((q) => q.valLoss)], series: [X, line('train', 0), line('validation', 1)] };
  }
  if (id === 'dice') {
    const n = Math.max(0, ...p.map((q) => q.pseudoDice?.length ?? 0));
    const names = labelNames(job, n);
    const cols = Array.from({ length: n }, (_, i) => col((q) => (Number.isNaN(q.pseudoDice?.[i] ?? NaN) ? undefined : q.pseudoDice?.[i])));
    const mean = col((q) => {
      const d = q.pseudoDice?.filter((v) => !Number.isNaN(v));
      return d && d.length ? d.reduce((a, b) => a + b, 0) / d.length : undefined;
    });
    const series = [X, ...names.map((nm, i) => line(nm, i + 2)), { ...line('mean', 0), width: 2.5 }];
    const data: (number | null)[][] = [x, ...cols, mean];
    if (p.some((q) => q.emaPseudoDice !== undefined)) {
      series.push({ ...line('EMA of mean', 1, [6, 4]), width: 2 });
      data.push(col((q) => q.emaPseudoDice));
    }
    return { data: data as uPlot.AlignedData, series };
  }
  if (id === 'lr') return { data: [x, col((q) => q.lr)], series: [X, line('learning rate', 4)] };
  return { data: [x, col((q) => q.epochTime)], series: [X, line('seconds', 6)] };
}

function draw(): void {
  const job = selected ? jobs.get(selected) : undefined;
  empty.classList.toggle('hidden', !!job);
  charts.classList.toggle('hidden', !job);
  if (!job) return;
  const fg = css('--vscode-foreground', '#ccc');
  const grid = css('--vscode-panel-border', '#444');
  for (const c of chartEls) {
    const { data, series } = seriesOf(job, c.id);
    const key = `${job.info.id}|${series.map((s) => s.label).join(',')}`;
    const width = Math.max(200, c.box.clientWidth || 400);
    if (!c.plot || c.seriesKey !== key) {
      c.plot?.destroy();
      clear(c.box);
      const def = chartDefs.find((d) => d.id === c.id)!;
      c.plot = new uPlot(
        {
          width,
          height: 200,
          series,
          scales: { x: { time: false }, y: def.log ? { distr: 3 } : c.id === 'dice' ? { range: [0, 1] } : {} },
          axes: [
            { stroke: fg, grid: { stroke: grid, width: 1 }, label: 'epoch' },
            { stroke: fg, grid: { stroke: grid, width: 1 }, size: 60 },
          ],
          legend: { live: true },
        },
        data,
        c.box,
      );
      c.seriesKey = key;
    } else {
      c.plot.setData(data);
      if (Math.abs(c.plot.width - width) > 4) c.plot.setSize({ width, height: 200 });
    }
  }
  document.getElementById('nnseg-dashboard')!.dataset.points = String(job.points.length);
}

function showJob(): void {
  const job = selected ? jobs.get(selected) : undefined;
  const info = job?.info;
  stateBadge.textContent = info ? info.state : '';
  stateBadge.className = `badge ${info?.state ?? ''}`;
  progress.value = info?.progress ?? 0;
  progress.classList.toggle('hidden', info?.progress === undefined);
  message.textContent = info ? (info.error ?? info.message ?? '') : '';
  cancelBtn.disabled = !info || !(info.state === 'running' || info.state === 'queued');
  clear(summary);
  if (job && job.points.length) {
    const last = job.points[job.points.length - 1];
    const best = bestEpoch(job.points);
    const items: [string, string][] = [
      ['Epoch', String(last.epoch)],
      ['Train loss', fmtNumber(last.trainLoss ?? NaN, 4)],
      ['Val loss', fmtNumber(last.valLoss ?? NaN, 4)],
      ['Best', best ? `epoch ${best.epoch}${best.meanDice !== undefined ? `, mean pseudo-Dice ${best.meanDice.toFixed(4)}` : `, val loss ${fmtNumber(best.valLoss ?? NaN, 4)}`}` : '—'],
      ['LR', last.lr !== undefined ? last.lr.toExponential(2) : '—'],
      ['Epoch time', last.epochTime !== undefined ? `${last.epochTime.toFixed(1)} s` : '—'],
    ];
    for (const [k, v] of items) summary.append(h('span', { class: 'item' }, h('span', { class: 'k' }, k), ' ', h('span', { class: 'v', 'data-key': k }, v)));
  }
  const root = document.getElementById('nnseg-dashboard')!;
  root.dataset.state = info?.state ?? '';
  root.dataset.job = info?.id ?? '';
}

function renderSelect(): void {
  clear(jobSelect);
  const list = [...jobs.values()].filter((j) => j.points.length || j.info.kind === 'train');
  for (const j of list.reverse()) {
    jobSelect.append(h('option', { value: j.info.id, selected: j.info.id === selected }, `${j.info.title} · ${j.info.state}`));
  }
  jobSelect.classList.toggle('hidden', list.length === 0);
}

function select(id: string | undefined): void {
  selected = id;
  vscode.setState({ selected });
  renderSelect();
  showJob();
  draw();
}

function upsert(info: JobInfo): DashboardJob {
  const j = jobs.get(info.id) ?? { info, points: [] };
  j.info = info;
  jobs.set(info.id, j);
  return j;
}

/** The job to show when nothing is selected: a running training job, else the newest with metrics. */
function defaultJob(): string | undefined {
  const all = [...jobs.values()];
  return (all.find((j) => j.info.state === 'running' && j.info.kind === 'train') ?? all.filter((j) => j.points.length).pop() ?? all.pop())?.info.id;
}

let drawQueued = false;
function redrawSoon(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    showJob();
    draw();
  });
}

window.addEventListener('message', (e: MessageEvent<HostToDashboard>) => {
  const m = e.data;
  switch (m.type) {
    case 'snapshot':
      jobs.clear();
      for (const j of m.jobs) jobs.set(j.info.id, { info: j.info, points: [...j.points] });
      select(m.focus && jobs.has(m.focus) ? m.focus : selected && jobs.has(selected) ? selected : defaultJob());
      break;
    case 'job': {
      const isNew = !jobs.has(m.info.id);
      upsert(m.info);
      if (isNew && m.info.kind === 'train' && (!selected || jobs.get(selected)?.info.state !== 'running')) select(m.info.id);
      else {
        renderSelect();
        if (m.info.id === selected) redrawSoon();
      }
      break;
    }
    case 'metrics': {
      const j = jobs.get(m.jobId) ?? upsert({ id: m.jobId, kind: 'train', title: m.jobId, state: 'running', queuedAt: new Date().toISOString() });
      addPoint(j.points, m.point);
      if (!selected) select(m.jobId);
      else if (m.jobId === selected) redrawSoon();
      break;
    }
    case 'focus':
      if (jobs.has(m.jobId)) select(m.jobId);
      break;
  }
});

new ResizeObserver(() => redrawSoon()).observe(charts);
vscode.postMessage({ type: 'ready' });
