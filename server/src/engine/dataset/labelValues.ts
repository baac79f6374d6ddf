/**
 * What a label map's values say about it against dataset.json: values it does not declare (an error:
 * training would learn a class nobody asked for) and a map with only background (a warning: nnU-Net
 * trains on such cases, but it is more often a wrong file than a deliberate empty case). Shared by the
 * dataset check and preprocessing, so both say the same.
 */
export interface LabelValueProblem {
  severity: 'error' | 'warning';
  code: 'undeclared-labels' | 'empty-label';
  message: string;
}

const fmt = (v: number[]) => v.join(', ');

export function labelValueProblems(file: string, found: number[], declared: number[]): LabelValueProblem[] {
  const known = new Set(declared);
  const sorted = [...found].sort((a, b) => a - b);
  const undeclared = sorted.filter((x) => !known.has(x));
  const out: LabelValueProblem[] = [];
  if (undeclared.length) {
    const s = undeclared.length > 1 ? 's' : '';
    out.push({ severity: 'error', code: 'undeclared-labels', message: `${file}: contains label value${s} ${fmt(undeclared)} that dataset.json does not declare (declared: ${fmt([...known].sort((a, b) => a - b))}).` });
  }
  if (sorted.every((x) => x === 0)) out.push({ severity: 'warning', code: 'empty-label', message: `${file}: only background (0): an empty label map; intended?` });
  return out;
}

/** The distinct values of an Int16 label map, in one pass without a Set per voxel. */
export function distinctLabels(seg: Int16Array): number[] {
  const seen = new Uint8Array(65536);
  for (let i = 0; i < seg.length; i++) seen[seg[i] + 32768] = 1;
  const out: number[] = [];
  for (let v = 0; v < 65536; v++) if (seen[v]) out.push(v - 32768);
  return out;
}
