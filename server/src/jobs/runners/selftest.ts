import { throwIfCancelled } from '../context';
import type { JobRunner } from '../kinds';

/**
 * Keeps one core busy for `seconds` (default 5) while reporting progress: checks that the job
 * machinery (progress, logs, cancel) works, and loads the backend for the latency benchmark.
 */
const run: JobRunner = async (spec, ctx) => {
  const seconds = Number(spec.params.seconds ?? 5);
  const t0 = Date.now();
  let sink = 0;
  let lastReport = 0;
  ctx.log('info', `self-test: busy for ${seconds} s`);
  while (Date.now() - t0 < seconds * 1000) {
    for (let i = 0; i < 2e6; i++) sink += Math.sqrt(i);
    const elapsed = (Date.now() - t0) / 1000;
    if (elapsed - lastReport >= 0.2) {
      lastReport = elapsed;
      ctx.progress(Math.min(1, elapsed / seconds), `${elapsed.toFixed(1)} / ${seconds} s`);
      ctx.metrics({ elapsed }, Math.floor(elapsed));
    }
    throwIfCancelled(ctx);
    await new Promise((r) => setImmediate(r));
  }
  if (spec.params.fail) throw new Error(String(spec.params.fail));
  ctx.log('info', 'self-test: done');
  return { seconds, checksum: sink > 0 };
};
export default run;
