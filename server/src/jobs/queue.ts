import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { JobEvent, JobInfo, JobKind, LogLevel, NnsegSettings } from '../protocol';
import { writeFileAtomicSync } from '../util/atomic';
import { NnsegError } from '../util/errors';
import { jobKinds, type JobSpec } from './kinds';
import type { ChildMessage, ParentMessage } from './ipc';

export interface QueueOptions {
  /** Extension storage: jobs-<pid>.json and one folder per job (log, scratch). Never the user's repository. */
  storageDir: string;
  /** The job process entry; defaults to the compiled child.js beside this file. */
  childModule?: string;
  /** Seconds between a cancel request and SIGKILL. */
  killAfterSeconds?: number;
  /** Extra Node flags for job processes (e.g. --max-old-space-size). */
  execArgv?: string[];
}

export interface EnqueueRequest {
  kind: JobKind;
  configFile?: string;
  params?: Record<string, unknown>;
  settings?: NnsegSettings;
  workspaceFolders?: string[];
  title?: string;
}

type Listener = (e: JobEvent) => void;

const HISTORY = 50;

/** The settings the compute layer reads from the environment (backend choice, native thread count). */
function jobEnv(id: string, spec: JobSpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NNSEG_JOB_ID: id };
  if (spec.settings.backend && spec.settings.backend !== 'auto') env.NNSEG_BACKEND = spec.settings.backend;
  if (spec.settings.threads && spec.settings.threads > 0) env.NNSEG_THREADS = String(spec.settings.threads);
  return env;
}

/**
 * One compute job at a time, in a child process; the rest wait in order. Reports every change as a
 * JobEvent, keeps a log file per job and the job list in jobs-<pid>.json, so a restarted backend can say what
 * happened to the job that was running when it died.
 */
export class JobQueue {
  private readonly jobs: JobInfo[] = [];
  private readonly specs = new Map<string, JobSpec>();
  private readonly listeners = new Set<Listener>();
  private running?: { id: string; child: ChildProcess; killTimer?: NodeJS.Timeout; cancelled: boolean; lastError?: string };
  private readonly stateFile: string;
  private disposed = false;

  constructor(private readonly opts: QueueOptions) {
    fs.mkdirSync(opts.storageDir, { recursive: true });
    // One state file per backend process: two editor windows (or an editor and `nnseg jobs run`) share
    // the storage folder without overwriting each other's job list.
    this.stateFile = path.join(opts.storageDir, `jobs-${process.pid}.json`);
    this.restore();
  }

  onEvent(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  list(): JobInfo[] {
    return this.jobs.map((j) => ({ ...j }));
  }

  get(id: string): JobInfo | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  enqueue(req: EnqueueRequest): JobInfo {
    if (this.disposed) throw new NnsegError('The nnSeg job queue is shut down: the backend is stopping.');
    const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${req.kind}-${randomUUID().slice(0, 8)}`;
    const jobDir = path.join(this.opts.storageDir, 'jobs', id);
    fs.mkdirSync(jobDir, { recursive: true });
    const job: JobInfo = {
      id,
      kind: req.kind,
      title: req.title ?? jobKinds[req.kind].title,
      state: 'queued',
      configUri: req.configFile,
      queuedAt: new Date().toISOString(),
      logFile: path.join(jobDir, 'job.log'),
    };
    this.specs.set(id, {
      id,
      kind: req.kind,
      configFile: req.configFile,
      params: req.params ?? {},
      settings: req.settings ?? {},
      workspaceFolders: req.workspaceFolders ?? [],
      jobDir,
    });
    this.jobs.push(job);
    this.trim();
    this.changed(job);
    this.pump();
    return { ...job };
  }

  /** Cancels a queued job at once, or asks the running one to stop (killed if it does not). */
  cancel(id: string): boolean {
    const job = this.get(id);
    if (!job) return false;
    if (job.state === 'queued') {
      this.finish(job, 'cancelled', { message: 'Cancelled before it started.' });
      return true;
    }
    if (job.state !== 'running' || !this.running || this.running.id !== id) return false;
    const r = this.running;
    if (r.cancelled) return true;
    r.cancelled = true;
    this.log(job, 'info', 'Cancel requested.');
    this.sendTo(r.child, { type: 'cancel' });
    r.killTimer = setTimeout(() => {
      this.log(job, 'warn', `The job did not stop within ${this.opts.killAfterSeconds ?? 5} s; killing it.`);
      r.child.kill('SIGKILL');
    }, (this.opts.killAfterSeconds ?? 5) * 1000);
    return true;
  }

  /** Stops everything (server shutdown): the last events say so, and none follows. */
  dispose(): void {
    if (this.disposed) return;
    for (const j of this.jobs) if (j.state === 'queued') this.finish(j, 'cancelled', { message: 'The backend shut down.' });
    if (this.running) {
      const job = this.get(this.running.id);
      this.running.child.kill('SIGKILL');
      if (job) this.finish(job, 'cancelled', { message: 'The backend shut down.' });
    }
    this.disposed = true;
    this.listeners.clear();
  }

  private pump(): void {
    if (this.running) return;
    const next = this.jobs.find((j) => j.state === 'queued');
    if (!next) return;
    const spec = this.specs.get(next.id)!;
    const childModule = this.opts.childModule ?? path.join(__dirname, 'child.js');
    const child = fork(childModule, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: this.opts.execArgv ?? [],
      env: jobEnv(next.id, spec),
    });
    const run: NonNullable<JobQueue['running']> = { id: next.id, child, cancelled: false };
    this.running = run;
    next.state = 'running';
    next.startedAt = new Date().toISOString();
    this.changed(next);
    this.log(next, 'info', `Started ${next.title}${spec.configFile ? ` for ${spec.configFile}` : ''} (process ${child.pid}).`);
    // Whole lines (a write may arrive in pieces); the last stderr line may explain a process that dies.
    const lines = (stream: NodeJS.ReadableStream | null, level: LogLevel) =>
      stream &&
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        if (!line.trim()) return;
        if (level === 'warn') run.lastError = line.trim();
        this.log(next, level, line);
      });
    lines(child.stdout, 'info');
    lines(child.stderr, 'warn');
    child.on('message', (m: ChildMessage) => this.onChildMessage(next, m));
    child.on('error', (err) => {
      this.log(next, 'error', `Job process error: ${err.message}`);
      // A process that never started may never 'close': do not let the queue wait for it forever.
      if (child.pid === undefined) setTimeout(() => this.running?.child === child && this.onExit(next, null, null), 1000).unref();
    });
    // 'close', not 'exit': it comes after the process's last message and output have been read.
    child.on('close', (code, signal) => this.onExit(next, code, signal));
    this.sendTo(child, { type: 'start', spec });
  }

  private sendTo(child: ChildProcess, msg: ParentMessage): void {
    if (child.connected) child.send(msg);
  }

  private onChildMessage(job: JobInfo, m: ChildMessage): void {
    // Once the job has its end state, only log lines still count (they go to the log file too).
    if (job.state !== 'running' && m.type !== 'log') return;
    switch (m.type) {
      case 'log':
        this.log(job, m.level, m.message);
        break;
      case 'progress':
        job.progress = m.fraction;
        job.message = m.message;
        this.emit({ type: 'progress', jobId: job.id, fraction: m.fraction, message: m.message });
        break;
      case 'metrics':
        this.appendLog(job, `metrics ${JSON.stringify({ epoch: m.epoch, ...m.values })}`);
        this.emit({ type: 'metrics', jobId: job.id, epoch: m.epoch, values: m.values });
        break;
      case 'result':
        this.finish(job, 'succeeded', { result: m.result });
        break;
      case 'cancelled':
        this.finish(job, 'cancelled', { message: 'Cancelled.' });
        break;
      case 'error':
        if (m.stack) this.appendLog(job, m.stack);
        this.finish(job, 'failed', { error: m.message });
        break;
    }
  }

  private onExit(job: JobInfo, code: number | null, signal: NodeJS.Signals | null): void {
    const r = this.running;
    if (r?.killTimer) clearTimeout(r.killTimer);
    this.running = undefined;
    if (r && job.state === 'running') {
      if (r.cancelled) this.finish(job, 'cancelled', { message: 'Cancelled (the job process was stopped).' });
      else {
        const how = signal
          ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory, or killed by another program)' : ''}`
          : code === null
            ? 'could not be started'
            : `exited with code ${code}`;
        // A process that ends itself (exit code, V8's abort on a full heap) says why on stderr; one
        // killed from outside does not, and its last line would only mislead.
        const said = r.lastError && signal !== 'SIGKILL' && signal !== 'SIGTERM' ? `; the last line it wrote to stderr: ${r.lastError}` : '.';
        this.finish(job, 'failed', { error: `The job process ${how} before the job finished${said}` });
      }
    }
    if (!this.disposed) this.pump();
  }

  private finish(job: JobInfo, state: JobInfo['state'], extra: Partial<JobInfo>): void {
    if (job.state !== 'queued' && job.state !== 'running') return;
    Object.assign(job, extra, { state, endedAt: new Date().toISOString() });
    if (state === 'succeeded') job.progress = 1;
    this.log(job, state === 'failed' ? 'error' : 'info', state === 'failed' ? `Failed: ${job.error}` : `Finished: ${state}.`);
    this.changed(job);
  }

  private log(job: JobInfo, level: LogLevel, message: string): void {
    const time = new Date().toISOString();
    this.appendLog(job, `${time} [${level}] ${message}`);
    this.emit({ type: 'log', jobId: job.id, level, message, time });
  }

  private appendLog(job: JobInfo, line: string): void {
    if (!job.logFile) return;
    try {
      fs.appendFileSync(job.logFile, line + '\n');
    } catch {
      // A full or read-only disk must not take the job down; the events still reach the editor.
    }
  }

  private changed(job: JobInfo): void {
    this.persist();
    this.emit({ type: 'state', job: { ...job } });
  }

  private emit(e: JobEvent): void {
    for (const l of this.listeners) l(e);
  }

  private trim(): void {
    while (this.jobs.length > HISTORY) {
      const i = this.jobs.findIndex((j) => j.state !== 'queued' && j.state !== 'running');
      if (i < 0) break;
      const [old] = this.jobs.splice(i, 1);
      this.specs.delete(old.id);
      // Its log goes with it, or the storage grows by a folder per job forever. An id that is not
      // one of ours (an edited jobs.json: '../x') names no folder to delete.
      if (/^[\w-]+$/.test(old.id)) fs.rmSync(path.join(this.opts.storageDir, 'jobs', old.id), { recursive: true, force: true });
    }
  }

  private persist(): void {
    try {
      writeFileAtomicSync(this.stateFile, JSON.stringify({ pid: process.pid, jobs: this.jobs }, null, 2));
    } catch {
      // Job state is a convenience; failing to save it must not fail the job.
    }
  }

  /**
   * Jobs of backends that are gone (this one's predecessor after a crash or restart) are taken over,
   * those that were queued or running reported as failed with why; their files are then removed. A live
   * backend's file is left to it.
   */
  private restore(): void {
    let adopted = false;
    for (const { file, state, live } of stateFiles(this.opts.storageDir)) {
      if (live || file === this.stateFile) continue;
      for (const j of state.jobs) if (!this.jobs.some((k) => k.id === j.id)) this.jobs.push(interrupted(j));
      fs.rmSync(file, { force: true });
      adopted = true;
    }
    if (adopted) {
      this.jobs.sort((a, b) => (a.queuedAt ?? '').localeCompare(b.queuedAt ?? ''));
      this.trim();
      this.persist();
    }
  }

  /**
   * The saved jobs of every backend, without touching the files (`nnseg jobs list`): a live backend's
   * jobs as it wrote them, a dead one's active jobs as interrupted.
   */
  static readSaved(storageDir: string): JobInfo[] {
    return stateFiles(storageDir)
      .flatMap(({ state, live }) => (live ? state.jobs : state.jobs.map(interrupted)))
      .sort((a, b) => (a.queuedAt ?? '').localeCompare(b.queuedAt ?? ''));
  }
}

/** Every backend's state file (jobs-<pid>.json, and jobs.json of older versions) with whether its backend still runs. */
function stateFiles(storageDir: string): { file: string; state: { pid?: number; jobs: JobInfo[] }; live: boolean }[] {
  let names: string[];
  try {
    names = fs.readdirSync(storageDir);
  } catch {
    return [];
  }
  const out = [];
  for (const n of names.filter((x) => /^jobs(-\d+)?\.json$/.test(x)).sort()) {
    const file = path.join(storageDir, n);
    const state = readState(file);
    if (!state) continue;
    const live = state.pid !== undefined && state.pid !== process.pid && isAlive(state.pid);
    out.push({ file, state, live });
  }
  return out;
}

/** A state file as written by persist(); anything else (an older or broken file) is skipped, not thrown. */
function readState(file: string): { pid?: number; jobs: JobInfo[] } | undefined {
  let saved: unknown;
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const s = saved as { pid?: unknown; jobs?: unknown } | null;
  if (!s || typeof s !== 'object' || !Array.isArray(s.jobs)) return undefined;
  const jobs = s.jobs.filter((j): j is JobInfo => typeof j === 'object' && j !== null && typeof j.id === 'string' && typeof j.state === 'string' && typeof j.title === 'string');
  return { pid: typeof s.pid === 'number' ? s.pid : undefined, jobs };
}

function interrupted(j: JobInfo): JobInfo {
  if (j.state !== 'queued' && j.state !== 'running') return j;
  return {
    ...j,
    state: 'failed',
    error: j.startedAt ? 'The nnSeg backend stopped while this job was running (it crashed or was killed).' : 'The nnSeg backend stopped before this job started.',
    endedAt: new Date().toISOString(),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
