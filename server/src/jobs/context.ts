import type { LogLevel } from '../protocol';
import { CancelledError } from '../util/errors';

/**
 * What an engine stage gets to report with. The same stage code runs under the CLI (progress bar on
 * stderr), in a job process under the language server (events to the editor), and in tests (silent).
 */
export interface JobContext {
  log(level: LogLevel, message: string): void;
  /** fraction in 0..1 (undefined: indeterminate); message is a short status like "case 3/40". */
  progress(fraction: number | undefined, message?: string): void;
  /** Per-epoch or per-case numbers for charts (loss, pseudo-Dice, lr, epoch time). */
  metrics(values: Record<string, number | number[] | null>, epoch?: number): void;
  /** Aborted when the user cancels; long loops call throwIfCancelled() between units of work. */
  signal: AbortSignal;
}

export function throwIfCancelled(ctx: Pick<JobContext, 'signal'>): void {
  if (ctx.signal.aborted) throw new CancelledError();
}

/** A context that reports nothing: for tests and library use. */
export function silentContext(signal: AbortSignal = new AbortController().signal): JobContext {
  return { log() {}, progress() {}, metrics() {}, signal };
}
