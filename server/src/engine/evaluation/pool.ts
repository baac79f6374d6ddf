import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { throwIfCancelled, type JobContext } from '../../jobs/context';
import { runCaseJob, type CaseJob, type CaseResult } from './caseJob';

export function defaultWorkers(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(n, 8));
}

/**
 * Runs the case jobs on `workers` worker threads (inline when 1 or a single job), calling `onResult` as each
 * finishes, in completion order. A job that throws inside the worker becomes an 'unreadable' problem of its
 * case, so one bad case never stops the rest. Cancelling terminates the workers.
 */
export async function runCaseJobs(jobs: CaseJob[], workers: number, ctx: JobContext | undefined, onResult: (r: CaseResult, done: number) => void): Promise<void> {
  if (ctx) throwIfCancelled(ctx);
  let done = 0;
  const finish = (r: CaseResult) => {
    done++;
    onResult(r, done);
  };
  const failed = (job: CaseJob, message: string): CaseResult => ({
    caseId: job.caseId,
    method: job.method,
    refFile: job.refFile,
    predFile: job.pred.format === 'totalsegmentator' ? job.pred.dir : job.pred.file,
    problems: [{ kind: 'unreadable', case: job.caseId, method: job.method, message }],
    seconds: 0,
  });
  const script = path.join(__dirname, 'worker.js');
  // Inline when one thread is asked for, or when this file was bundled away from its worker script.
  if (workers <= 1 || jobs.length <= 1 || !fs.existsSync(script)) {
    for (const job of jobs) {
      if (ctx) throwIfCancelled(ctx);
      finish(await runCaseJob(job));
    }
    return;
  }
  let next = 0;
  const pool: Worker[] = [];
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    let stopped = false;
    const stop = (err?: unknown) => {
      if (stopped) return;
      stopped = true;
      for (const w of pool) void w.terminate();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => {
      try {
        if (ctx) throwIfCancelled(ctx);
      } catch (e) {
        stop(e);
      }
    };
    ctx?.signal.addEventListener('abort', onAbort, { once: true });
    const feed = (w: Worker) => {
      if (stopped) return;
      if (next >= jobs.length) {
        if (active === 0) {
          ctx?.signal.removeEventListener('abort', onAbort);
          stop();
        }
        return;
      }
      const job = jobs[next++];
      active++;
      const onMessage = (msg: { ok: boolean; result?: CaseResult; error?: string }) => {
        w.off('error', onError);
        active--;
        finish(msg.ok && msg.result ? msg.result : failed(job, msg.error ?? 'the worker failed'));
        feed(w);
      };
      const onError = (err: Error) => {
        w.off('message', onMessage);
        active--;
        finish(failed(job, `${job.refFile}: the evaluation worker crashed (${err.message}).`));
        const fresh = new Worker(script);
        pool.push(fresh);
        feed(fresh);
      };
      w.once('message', onMessage);
      w.once('error', onError);
      w.postMessage(job);
    };
    const n = Math.min(workers, jobs.length);
    for (let i = 0; i < n; i++) {
      const w = new Worker(script);
      pool.push(w);
    }
    for (const w of pool.slice()) feed(w);
  });
}
