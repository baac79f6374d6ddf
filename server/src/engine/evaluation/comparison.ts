import type { CaseResult } from './caseJob';
import type { Problem } from './problems';
import { boxStats, nanmean, nanstd, type BoxStats } from './stats';
import { summaryMetrics, type HdMode, type LabelMetrics, type SummaryMetric } from './types';
import { wilcoxon, type WilcoxonResult } from './wilcoxon';

export interface MethodInfo {
  name: string;
  dir: string;
  format: string;
  /** Cases with metrics. */
  nCases: number;
}

export interface Cell {
  mean: number | null;
  std: number | null;
  /** Cases with a value. */
  n: number;
}

export interface PairTest extends WilcoxonResult {
  a: string;
  b: string;
  metric: SummaryMetric;
}

/** Everything the Markdown, HTML and JSON reports show; the JSON report is this object. */
export interface ComparisonReport {
  title: string;
  created: string;
  reference: string;
  hdMode: HdMode;
  labels: Record<string, string>;
  methods: MethodInfo[];
  metrics: SummaryMetric[];
  /** Cases every method has. Each test pairs the cases its two methods both have. */
  pairedCases: string[];
  /** Table 1: per metric and method, mean and std over cases of the case's mean over labels. */
  overall: Record<string, Record<string, Cell & { box: BoxStats | null }>>;
  overallTests: PairTest[];
  perLabel: Record<string, Record<string, Record<string, Cell>>>;
  perLabelTests: Record<string, PairTest[]>;
  /** Labels absent from every reference and every prediction (no table for them). */
  emptyLabels: string[];
  /** method -> case -> metric -> the case's mean over labels (the values behind Table 1 and the box plots). */
  caseValues: Record<string, Record<string, Record<string, number | null>>>;
  problems: Problem[];
}

/** The case's value of a metric: mean over its labels, null values (empty masks) left out. */
export function caseMean(labels: Record<string, LabelMetrics>, labelList: number[], metric: SummaryMetric): number | null {
  return nanmean(labelList.map((l) => labels[String(l)]?.[metric] ?? null));
}

export function buildComparison(opts: {
  title: string;
  reference: string;
  hdMode: HdMode;
  labels: number[];
  names: Record<string, string>;
  methods: { name: string; dir: string; format: string }[];
  results: Map<string, CaseResult[]>;
  problems: Problem[];
}): ComparisonReport {
  const metrics = [...summaryMetrics];
  const labelNames: Record<string, string> = {};
  for (const l of opts.labels) labelNames[String(l)] = opts.names[String(l)] ?? String(l);
  const byMethod = new Map<string, Map<string, Record<string, LabelMetrics>>>();
  for (const m of opts.methods) {
    const cases = new Map<string, Record<string, LabelMetrics>>();
    for (const r of opts.results.get(m.name) ?? []) if (r.metrics) cases.set(r.caseId, r.metrics.labels);
    byMethod.set(m.name, cases);
  }
  const allCases = [...new Set([...byMethod.values()].flatMap((c) => [...c.keys()]))].sort();
  const paired = allCases.filter((c) => [...byMethod.values()].every((m) => m.has(c)));

  const caseValues: ComparisonReport['caseValues'] = {};
  for (const m of opts.methods) {
    const cv: Record<string, Record<string, number | null>> = {};
    for (const [id, labels] of byMethod.get(m.name)!) {
      cv[id] = {};
      for (const k of metrics) cv[id][k] = caseMean(labels, opts.labels, k);
    }
    caseValues[m.name] = cv;
  }

  const overall: ComparisonReport['overall'] = {};
  for (const k of metrics) {
    overall[k] = {};
    for (const m of opts.methods) {
      const v = Object.values(caseValues[m.name]).map((c) => c[k]);
      overall[k][m.name] = { mean: nanmean(v), std: nanstd(v), n: v.filter((x) => x !== null).length, box: boxStats(v) };
    }
  }
  const pairs: [string, string][] = [];
  for (let i = 0; i < opts.methods.length; i++) for (let j = i + 1; j < opts.methods.length; j++) pairs.push([opts.methods[i].name, opts.methods[j].name]);
  const test = (metric: SummaryMetric, a: string, b: string, value: (method: string, c: string) => number | null): PairTest => {
    const both = allCases.filter((c) => byMethod.get(a)!.has(c) && byMethod.get(b)!.has(c));
    return {
      a,
      b,
      metric,
      ...wilcoxon(
        both.map((c) => value(a, c)),
        both.map((c) => value(b, c)),
      ),
    };
  };
  const overallTests = metrics.flatMap((k) => pairs.map(([a, b]) => test(k, a, b, (m, c) => caseValues[m][c][k])));

  const perLabel: ComparisonReport['perLabel'] = {};
  const perLabelTests: ComparisonReport['perLabelTests'] = {};
  for (const l of opts.labels) {
    const key = String(l);
    perLabel[key] = {};
    for (const k of metrics) {
      perLabel[key][k] = {};
      for (const m of opts.methods) {
        const v = [...byMethod.get(m.name)!.values()].map((labels) => labels[key]?.[k] ?? null);
        perLabel[key][k][m.name] = { mean: nanmean(v), std: nanstd(v), n: v.filter((x) => x !== null).length };
      }
    }
    perLabelTests[key] = metrics.flatMap((k) => pairs.map(([a, b]) => test(k, a, b, (m, c) => byMethod.get(m)!.get(c)?.[key]?.[k] ?? null)));
  }

  const emptyLabels = opts.labels.map(String).filter((l) => opts.methods.every((m) => [...byMethod.get(m.name)!.values()].every((labels) => !labels[l] || labels[l].empty === 'both')));
  return {
    title: opts.title,
    created: new Date().toISOString(),
    reference: opts.reference,
    hdMode: opts.hdMode,
    labels: labelNames,
    methods: opts.methods.map((m) => ({ ...m, nCases: byMethod.get(m.name)!.size })),
    metrics,
    pairedCases: paired,
    overall,
    overallTests,
    perLabel,
    perLabelTests,
    emptyLabels,
    caseValues,
    problems: opts.problems,
  };
}
