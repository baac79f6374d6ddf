/**
 * Entry of a job process (forked by the queue): runs one job and reports over IPC. A separate process
 * keeps heavy compute (and its memory, and a crash) away from the language server.
 */
import type { JobContext } from './context';
import { jobKinds, type JobSpec } from './kinds';
import { CancelledError, NnsegError, errorMessage } from '../util/errors';
import type { ChildMessage, ParentMessage } from './ipc';

const controller = new AbortController();

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

let lastProgress = 0;
const ctx: JobContext = {
  signal: controller.signal,
  log: (level, message) => send({ type: 'log', level, message }),
  progress(fraction, message) {
    // At most 20 progress events a second: the editor needs no more, the IPC channel stays light.
    const now = Date.now();
    if (now - lastProgress < 50 && fraction !== 1) return;
    lastProgress = now;
    send({ type: 'progress', fraction, message });
  },
  metrics: (values, epoch) => send({ type: 'metrics', values, epoch }),
};

async function run(spec: JobSpec): Promise<void> {
  try {
    const runner = jobKinds[spec.kind].load().default;
    const result = await runner(spec, ctx);
    send({ type: 'result', result: result ?? null });
  } catch (err) {
    if (err instanceof CancelledError || controller.signal.aborted) send({ type: 'cancelled' });
    else {
      const stack = err instanceof Error && !(err instanceof NnsegError) ? err.stack : undefined;
      send({ type: 'error', message: err instanceof NnsegError ? err.message : `internal error: ${errorMessage(err)}`, stack });
    }
  }
  process.disconnect?.();
}

process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'start') void run(msg.spec);
  else if (msg.type === 'cancel') controller.abort();
});
// The language server went away: nobody is left to report to.
process.on('disconnect', () => process.exit(0));
