/**
 * Runs per-case tasks (fingerprint analysis, preprocessing) on worker threads. A failing case does not
 * stop the others: every task settles as ok or as an error naming its file, and the caller reports all of
 * them at once. `workers: 0` runs the tasks in this thread (tests, debugging).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../../util/errors';
import type { TaskKind, TaskMessage, TaskReply } from './tasks';

export type TaskOutcome<R> = { ok: true; result: R } | { ok: false; message: string; file?: string };

export interface PoolOptions<R> {
  workers?: number;
  signal?: AbortSignal;
  onSettled?(index: number, outcome: TaskOutcome<R>, done: number, total: number): void;
}

export function defaultWorkers(tasks: number): number {
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(tasks, cpus, 8));
}

function errorOutcome(err: unknown): { ok: false; message: string; file?: string } {
  const e = err as { message?: string; file?: string };
  return { ok: false, message: e?.message ?? String(err), file: e?.file };
}

async function runInline<R>(kind: TaskKind, payloads: unknown[], opts: PoolOptions<R>): Promise<TaskOutcome<R>[]> {
  const { runTask } = require('./tasks') as typeof import('./tasks');
  const out: TaskOutcome<R>[] = [];
  for (let i = 0; i < payloads.length; i++) {
    if (opts.signal?.aborted) throw new CancelledError();
    let o: TaskOutcome<R>;
    try {
      o = { ok: true, result: (await runTask(kind, payloads[i])) as R };
    } catch (err) {
      o = errorOutcome(err);
    }
    out.push(o);
    opts.onSettled?.(i, o, i + 1, payloads.length);
  }
  return out;
}

export async function runPool<R>(kind: TaskKind, payloads: unknown[], opts: PoolOptions<R> = {}): Promise<TaskOutcome<R>[]> {
  const n = opts.workers ?? defaultWorkers(payloads.length);
  if (n <= 0 || payloads.length === 0) return runInline(kind, payloads, opts);
  const results: TaskOutcome<R>[] = new Array(payloads.length);
  let next = 0;
  let done = 0;
  const workers: Worker[] = [];
  return new Promise((resolve, reject) => {
    let finished = false;
    const finish = (err?: unknown) => {
      if (finished) return;
      finished = true;
      opts.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (err) reject(err);
      else resolve(results);
    };
    const onAbort = () => finish(new CancelledError());
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) return finish(new CancelledError());

    const feed = (w: Worker) => {
      if (next >= payloads.length) {
        void w.terminate();
        return;
      }
      const id = next++;
      const msg: TaskMessage = { id, kind, payload: payloads[id] };
      (w as Worker & { current?: number }).current = id;
      w.postMessage(msg);
    };
    const settle = (id: number, o: TaskOutcome<R>) => {
      if (results[id]) return;
      results[id] = o;
      done++;
      try {
        opts.onSettled?.(id, o, done, payloads.length);
      } catch (err) {
        return finish(err);
      }
      if (done === payloads.length) finish();
    };
    const spawn = () => {
      const w = new Worker(path.join(__dirname, 'worker.js'));
      workers.push(w);
      const state = w as Worker & { current?: number; failure?: unknown };
      w.on('message', (reply: TaskReply) => {
        state.current = undefined;
        settle(reply.id, reply.ok ? { ok: true, result: reply.result as R } : { ok: false, message: reply.message, file: reply.file });
        feed(w);
      });
      w.on('error', (err) => {
        state.failure = err;
      });
      w.on('exit', (code) => {
        // a worker that dies (out of memory, crash) fails its case; a fresh worker carries on
        const id = state.current;
        if (finished || id === undefined) return;
        settle(id, errorOutcome(state.failure ?? new Error(`case worker stopped (exit code ${code})`)));
        if (!finished && next < payloads.length) feed(spawn());
      });
      return w;
    };
    for (let i = 0; i < Math.min(n, payloads.length); i++) feed(spawn());
  });
}
