/**
 * A JobContext for command-line use: a one-line progress bar on a terminal (redrawn in place, at most ten
 * times a second), plain lines otherwise, log lines above it. Ctrl-C aborts `signal`.
 */
import type { JobContext } from '../../jobs/context';

export interface TextProgressOptions {
  write(text: string): void;
  /** Redraw in place (a terminal); else print a line per 10% step. */
  tty: boolean;
  width?: number;
  signal?: AbortSignal;
}

export function textProgressContext(o: TextProgressOptions): JobContext & { done(): void } {
  const width = o.width ?? 30;
  let last = 0;
  let lastStep = -1;
  let drawn = false;
  const clear = () => {
    if (drawn && o.tty) o.write('\r\x1b[K');
    drawn = false;
  };
  return {
    signal: o.signal ?? new AbortController().signal,
    log(level, message) {
      if (level === 'debug') return;
      clear();
      o.write(`${level === 'info' ? '' : level + ': '}${message}\n`);
    },
    progress(fraction, message) {
      const f = fraction === undefined ? 0 : Math.max(0, Math.min(1, fraction));
      if (o.tty) {
        const now = Date.now();
        if (now - last < 100 && f < 1) return;
        last = now;
        const full = Math.round(f * width);
        o.write(`\r\x1b[K[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${Math.round(f * 100)}% ${message ?? ''}`);
        drawn = true;
      } else {
        const step = Math.floor(f * 10);
        if (step === lastStep) return;
        lastStep = step;
        o.write(`${Math.round(f * 100)}% ${message ?? ''}\n`);
      }
    },
    metrics() {},
    done() {
      if (drawn && o.tty) o.write('\n');
      drawn = false;
    },
  };
}
