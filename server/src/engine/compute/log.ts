/**
 * Where the compute layer reports what it chose (backend, versions, SIMD, threads) and what it could
 * not do (fallbacks). The job host replaces the sink (job log); by default both go to stderr, so the
 * choice is always visible and a fallback is never silent.
 */
export type ComputeLogSink = (level: 'info' | 'warn', message: string) => void;

let sink: ComputeLogSink = (_level, message) => {
  process.stderr.write(`nnseg: ${message}\n`);
};

export function setComputeLog(next: ComputeLogSink): void {
  sink = next;
}

export function computeLog(level: 'info' | 'warn', message: string): void {
  sink(level, message);
}

const warned = new Set<string>();

/** Warns once per key for the life of the process (a fallback would otherwise warn every step). */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  sink('warn', message);
}
