import type { BoxStats } from '../stats';

export const palette = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7'];

export function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return niceTicks(lo - d, hi + d);
  }
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  if (out[out.length - 1] < hi) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

const f = (v: number) => (Math.round(v * 10) / 10).toString();

/**
 * A box plot as inline SVG (no script, no style attribute: presentation attributes only, text in
 * currentColor so it follows the page's colours). One box per method: quartiles (numpy linear), median,
 * Tukey whiskers, outliers as circles, the mean as a cross.
 */
export function boxPlotSvg(title: string, series: { name: string; box: BoxStats | null }[]): string {
  const W = 340;
  const H = 230;
  const left = 52;
  const right = 12;
  const top = 30;
  const bottom = 44;
  const boxes = series.filter((s) => s.box) as { name: string; box: BoxStats }[];
  const values = boxes.flatMap((s) => [s.box.whiskerLow, s.box.whiskerHigh, ...s.box.outliers, s.box.min, s.box.max]);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${xml(title)}">`);
  parts.push(`<title>${xml(title)}</title>`);
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold" fill="currentColor">${xml(title)}</text>`);
  if (!boxes.length) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12" fill="currentColor">no values</text></svg>`);
    return parts.join('');
  }
  const ticks = niceTicks(Math.min(...values), Math.max(...values));
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  const y = (v: number) => top + (H - top - bottom) * (1 - (v - lo) / (hi - lo));
  for (const t of ticks) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="currentColor" stroke-opacity="0.15"/>`);
    parts.push(`<text x="${left - 6}" y="${f(y(t) + 4)}" text-anchor="end" font-size="11" fill="currentColor">${xml(String(t))}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${H - bottom}" stroke="currentColor" stroke-opacity="0.5"/>`);
  const slot = (W - left - right) / series.length;
  series.forEach((s, i) => {
    const cx = left + slot * (i + 0.5);
    const color = palette[i % palette.length];
    parts.push(`<text x="${f(cx)}" y="${H - bottom + 16}" text-anchor="middle" font-size="11" fill="currentColor">${xml(s.name.length > 18 ? s.name.slice(0, 17) + '…' : s.name)}</text>`);
    if (!s.box) {
      parts.push(`<text x="${f(cx)}" y="${f((top + H - bottom) / 2)}" text-anchor="middle" font-size="11" fill="currentColor">-</text>`);
      return;
    }
    const b = s.box;
    const bw = Math.min(46, slot * 0.5);
    parts.push(`<text x="${f(cx)}" y="${H - bottom + 30}" text-anchor="middle" font-size="10" fill="currentColor" fill-opacity="0.7">n=${b.n}</text>`);
    parts.push(`<line x1="${f(cx)}" x2="${f(cx)}" y1="${f(y(b.whiskerLow))}" y2="${f(y(b.q1))}" stroke="${color}" stroke-width="1.5"/>`);
    parts.push(`<line x1="${f(cx)}" x2="${f(cx)}" y1="${f(y(b.q3))}" y2="${f(y(b.whiskerHigh))}" stroke="${color}" stroke-width="1.5"/>`);
    for (const w of [b.whiskerLow, b.whiskerHigh]) parts.push(`<line x1="${f(cx - bw / 4)}" x2="${f(cx + bw / 4)}" y1="${f(y(w))}" y2="${f(y(w))}" stroke="${color}" stroke-width="1.5"/>`);
    const yq3 = y(b.q3);
    parts.push(`<rect x="${f(cx - bw / 2)}" y="${f(yq3)}" width="${f(bw)}" height="${f(Math.max(1, y(b.q1) - yq3))}" fill="${color}" fill-opacity="0.35" stroke="${color}" stroke-width="1.5"/>`);
    parts.push(`<line x1="${f(cx - bw / 2)}" x2="${f(cx + bw / 2)}" y1="${f(y(b.median))}" y2="${f(y(b.median))}" stroke="${color}" stroke-width="2.5"/>`);
    for (const o of b.outliers) parts.push(`<circle cx="${f(cx)}" cy="${f(y(o))}" r="2.5" fill="none" stroke="${color}"/>`);
    const ym = y(b.mean);
    parts.push(`<path d="M${f(cx - 4)} ${f(ym - 4)}L${f(cx + 4)} ${f(ym + 4)}M${f(cx - 4)} ${f(ym + 4)}L${f(cx + 4)} ${f(ym - 4)}" stroke="currentColor" stroke-width="1.2"/>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
