/**
 * A per-phase wall-clock profile of the compute kernels (off unless enabled): the engine benchmark
 * turns it on to say where a training step's time goes. Phases are named `kernel.phase`.
 */
const totals = new Map<string, { ms: number; calls: number }>();
let enabled = process.env.NNSEG_PROFILE === '1';

export function setProfiling(on: boolean): void {
  enabled = on;
}

export function profiling(): boolean {
  return enabled;
}

export function resetProfile(): void {
  totals.clear();
}

/** Runs f, charging its time to `phase` when profiling. */
export function timed<T>(phase: string, f: () => T): T {
  if (!enabled) return f();
  const t0 = performance.now();
  try {
    return f();
  } finally {
    const e = totals.get(phase) ?? { ms: 0, calls: 0 };
    e.ms += performance.now() - t0;
    e.calls++;
    totals.set(phase, e);
  }
}

export function profileSnapshot(): { phase: string; ms: number; calls: number }[] {
  return [...totals.entries()].map(([phase, v]) => ({ phase, ...v })).sort((a, b) => b.ms - a.ms);
}
