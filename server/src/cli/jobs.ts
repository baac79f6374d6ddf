import * as path from 'node:path';
import type { JobEvent, JobKind } from '../protocol';
import { JobQueue } from '../jobs/queue';
import { jobKinds } from '../jobs/kinds';
import { defaultStorageDir } from '../lsp/server';
import { checkConfigFile, firstError } from '../lsp/checkFile';
import { NnsegError, UsageError } from '../util/errors';
import { flag, printJson, str, strs, type CliCommand } from './command';

function parseParams(list: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--param takes key=value, not '${kv}'.`);
    const raw = kv.slice(i + 1);
    let v: unknown = raw;
    try {
      v = JSON.parse(raw);
    } catch {
      // a plain string
    }
    out[kv.slice(0, i)] = v;
  }
  return out;
}

const command: CliCommand = {
  name: 'jobs',
  summary: 'Run an engine job (as the editor does) and stream its events',
  usage: 'nnseg jobs run KIND [--config FILE] [--param key=value ...] [--json] | nnseg jobs list [--json]',
  options: { config: { type: 'string' }, param: { type: 'string', multiple: true } },
  allowPositionals: true,
  async run(args, io) {
    const [verb, kind] = args.positionals;
    const storageDir = defaultStorageDir(io.env);
    const json = flag(args, 'json');
    if (verb === 'list') {
      const jobs = JobQueue.readSaved(storageDir);
      if (json) printJson(io, { jobs });
      else for (const j of jobs) io.out(`${j.id}  ${j.state.padEnd(9)}  ${j.title}${j.error ? `: ${j.error}` : ''}\n`);
      return 0;
    }
    if (verb !== 'run' || !kind) throw new UsageError(`Usage: ${this.usage}`);
    if (!Object.hasOwn(jobKinds, kind)) throw new UsageError(`Unknown job kind '${kind}'; kinds: ${Object.keys(jobKinds).join(', ')}.`);
    const entry = jobKinds[kind as JobKind];
    if (!entry.available) throw new NnsegError(`${entry.title} is not available yet in this version of nnSeg.`);
    const config = str(args, 'config');
    const configFile = config ? path.resolve(io.cwd, config) : undefined;
    if (entry.needsConfig && !configFile) throw new UsageError(`The '${kind}' job needs --config FILE.`);
    if (configFile && entry.needsConfig) {
      const refused = firstError(await checkConfigFile(configFile, { workspaceFolders: [io.cwd, path.dirname(configFile)], env: io.env }));
      if (refused) throw new NnsegError(refused, configFile);
    }
    const queue = new JobQueue({ storageDir });
    const done = new Promise<JobEvent & { type: 'state' }>((resolve) => {
      queue.onEvent((e) => {
        if (json) io.out(JSON.stringify(e) + '\n');
        else if (e.type === 'log') io.err(`${e.message}\n`);
        else if (e.type === 'progress' && e.message) io.err(`  ${e.fraction !== undefined ? `${Math.round(e.fraction * 100)}% ` : ''}${e.message}\n`);
        if (e.type === 'state' && !['queued', 'running'].includes(e.job.state)) resolve(e);
      });
    });
    const job = queue.enqueue({ kind: kind as JobKind, configFile, params: parseParams(strs(args, 'param')), workspaceFolders: [io.cwd] });
    const cancel = () => queue.cancel(job.id);
    process.once('SIGINT', cancel);
    const end = await done;
    process.off('SIGINT', cancel);
    if (!json) io.out(`${end.job.title}: ${end.job.state}${end.job.error ? `: ${end.job.error}` : ''}\n`);
    return end.job.state === 'succeeded' ? 0 : 1;
  },
};
export default command;
