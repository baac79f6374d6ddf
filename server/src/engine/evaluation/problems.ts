/** Something wrong with the input that did not stop the run; listed in the summary and the report. */
export interface Problem {
  kind:
    | 'missing-prediction'
    | 'missing-reference'
    | 'grid-mismatch'
    | 'unreadable'
    | 'unknown-label'
    | 'missing-class'
    | 'unmapped-class'
    | 'unmapped-label'
    | 'overlapping-classes';
  /** One sentence naming the file(s) and the problem. */
  message: string;
  case?: string;
  method?: string;
  file?: string;
}

/** Problems of one kind, for a short listing: the first few messages and how many more there are. */
export function groupProblems(problems: Problem[], show = 5): { kind: Problem['kind']; count: number; messages: string[] }[] {
  const groups = new Map<Problem['kind'], Problem[]>();
  for (const p of problems) {
    const g = groups.get(p.kind) ?? [];
    g.push(p);
    groups.set(p.kind, g);
  }
  return [...groups].map(([kind, list]) => ({ kind, count: list.length, messages: list.slice(0, show).map((p) => p.message) }));
}
