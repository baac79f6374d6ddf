import { parseArgs } from 'node:util';
import { commands } from './cli/commands';
import { commonOptions, type CliCommand, type CliIO } from './cli/command';
import { NnsegError, UsageError, errorMessage } from './util/errors';
import { version } from './util/version';

const processIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
};

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `nnseg ${version} - self-configuring 3D medical image segmentation (nnU-Net) from the command line`,
    '',
    'Usage: nnseg <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Every command takes --json (machine-readable output on stdout), --debug (stack traces) and --help.',
    'Exit codes: 0 ok, 1 failure, 2 usage error.',
    '',
  ].join('\n');
}

function commandHelp(cmd: CliCommand): string {
  return `${cmd.summary}\n\nUsage: ${cmd.usage}\n`;
}

/** Runs one CLI invocation; returns the exit code. Exported for in-process tests. */
export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(topHelp());
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.out(`${version}\n`);
      return 0;
    }
    const entry = commands.find((c) => c.name === name);
    if (!entry) throw new UsageError(`Unknown command '${name}'. Run 'nnseg --help' for the list of commands.`);
    const cmd = entry.load().default;
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...commonOptions, ...cmd.options },
        allowPositionals: cmd.allowPositionals ?? false,
        strict: true,
      });
    } catch (e) {
      throw new UsageError(`${errorMessage(e).replace(/\.$/, '')}. Usage: ${cmd.usage}`);
    }
    if (parsed.values.help) {
      io.out(commandHelp(cmd));
      return 0;
    }
    return await cmd.run(parsed, io);
  } catch (err) {
    if (debug && err instanceof Error && err.stack) io.err(err.stack + '\n');
    else io.err(`nnseg: ${oneSentence(err)}\n`);
    if (err instanceof UsageError) return 2;
    return 1;
  }
}

function oneSentence(err: unknown): string {
  if (err instanceof NnsegError) return err.message;
  const msg = errorMessage(err);
  return `internal error: ${msg} (run again with --debug for details)`;
}

// `nnseg ... | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`nnseg: internal error: ${errorMessage(err)}\n`);
      process.exitCode = 1;
    },
  );
}
