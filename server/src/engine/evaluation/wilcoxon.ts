/** Paired Wilcoxon signed-rank test, two-sided, with scipy.stats.wilcoxon's defaults. */
export interface WilcoxonResult {
  /** Pairs with both values present. */
  pairs: number;
  /** Pairs used: non-zero differences (zero differences are dropped, zero_method 'wilcox'). */
  n: number;
  /** min(R+, R-), as scipy's two-sided statistic. */
  statistic: number | null;
  pvalue: number | null;
  method: 'exact' | 'approx' | 'none';
  /** z of the normal approximation (no continuity correction). */
  z?: number;
  note?: string;
}

/**
 * scipy.stats.wilcoxon(x, y) with its defaults (zero_method='wilcox', correction=False, two-sided,
 * method='auto'): the exact null distribution when there are at most 50 pairs and no zero and no tied
 * differences; otherwise the normal approximation on the non-zero differences with average ranks and
 * the tie correction of the variance. Pairs where either value is null are left out.
 */
export function wilcoxon(x: (number | null)[], y: (number | null)[]): WilcoxonResult {
  const d: number[] = [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const a = x[i];
    const b = y[i];
    if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b)) d.push(a - b);
  }
  const pairs = d.length;
  const nonzero = d.filter((v) => v !== 0);
  if (nonzero.length === 0) return { pairs, n: 0, statistic: null, pvalue: null, method: 'none', note: pairs ? 'every paired difference is zero' : 'no complete pairs' };
  const { ranks, tieGroups } = averageRanks(nonzero.map(Math.abs));
  let rPlus = 0;
  let rMinus = 0;
  for (let i = 0; i < nonzero.length; i++) {
    if (nonzero[i] > 0) rPlus += ranks[i];
    else rMinus += ranks[i];
  }
  const T = Math.min(rPlus, rMinus);
  const exact = pairs <= 50 && nonzero.length === pairs && tieGroups.length === 0;
  const n = nonzero.length;
  if (exact) {
    const pmf = signedRankPmf(n);
    const r = Math.round(rPlus);
    let p: number;
    if (r === (pmf.length - 1) >> 1) p = 1;
    else {
      let less = 0;
      for (let s = 0; s <= r; s++) less += pmf[s];
      let greater = 0;
      for (let s = r; s < pmf.length; s++) greater += pmf[s];
      p = Math.min(1, 2 * Math.min(less, greater));
    }
    return { pairs, n, statistic: T, pvalue: p, method: 'exact' };
  }
  const mn = (n * (n + 1)) / 4;
  let se = n * (n + 1) * (2 * n + 1);
  for (const t of tieGroups) se -= 0.5 * t * (t * t - 1);
  se = Math.sqrt(se / 24);
  const z = (T - mn) / se;
  return { pairs, n, statistic: T, pvalue: Math.min(1, erfc(Math.abs(z) / Math.SQRT2)), method: 'approx', z, note: n < 10 ? 'normal approximation with fewer than 10 pairs' : undefined };
}

/** Ranks 1..n with ties given their average rank; sizes of the tie groups (> 1). */
function averageRanks(v: number[]): { ranks: number[]; tieGroups: number[] } {
  const order = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
  const ranks = new Array<number>(v.length);
  const tieGroups: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && v[order[j + 1]] === v[order[i]]) j++;
    const avg = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]] = avg;
    if (j > i) tieGroups.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, tieGroups };
}

/** Null distribution of R+ for n pairs without ties: counts of subsets of {1..n} by sum, over 2^n. */
export function signedRankPmf(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const c = new Float64Array(max + 1);
  c[0] = 1;
  for (let k = 1; k <= n; k++) for (let s = (k * (k + 1)) / 2; s >= k; s--) c[s] += c[s - k];
  const total = 2 ** n;
  for (let s = 0; s <= max; s++) c[s] /= total;
  return c;
}

/**
 * Complementary error function to about 1e-15 relative: the everywhere-positive series
 * erf(x) = 2/sqrt(pi) e^{-x^2} sum 2^k x^{2k+1} / (1*3*...*(2k+1)) below 1.5, a continued fraction above.
 */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 1.5) {
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= (2 * x * x) / (2 * k + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum);
  }
  // erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), by Lentz's method
  const tiny = 1e-300;
  let f = x;
  let C = x;
  let D = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    D = x + a * D;
    D = Math.abs(D) < tiny ? tiny : D;
    C = x + a / C;
    C = Math.abs(C) < tiny ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
