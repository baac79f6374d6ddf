import * as path from 'node:path';
import { checkConfigFile, formatDiagnostic } from '../lsp/checkFile';
import { UsageError } from '../util/errors';
import { flag, printJson, type CliCommand } from './command';

const command: CliCommand = {
  name: 'check',
  summary: 'Check an experiment config (*.nnseg.json): the same diagnostics as the editor',
  usage: 'nnseg check CONFIG [--json]',
  options: {},
  allowPositionals: true,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError(`Expected one config file. Usage: ${this.usage}`);
    const file = path.resolve(io.cwd, args.positionals[0]);
    // From the command line the user names the file: its folder and the current one are the workspace.
    const r = await checkConfigFile(file, { workspaceFolders: [io.cwd, path.dirname(file)], env: io.env });
    if (flag(args, 'json')) {
      printJson(io, {
        file: r.file,
        errors: r.errors,
        warnings: r.warnings,
        diagnostics: r.diagnostics.map((d) => ({
          severity: d.severity === 1 ? 'error' : d.severity === 2 ? 'warning' : 'information',
          code: d.code ?? null,
          message: d.message,
          range: d.range,
        })),
      });
    } else {
      for (const d of r.diagnostics) io.out(formatDiagnostic(r.file, d) + '\n');
      io.out(r.errors || r.warnings ? `${r.errors} error(s), ${r.warnings} warning(s)\n` : `${r.file}: no problems\n`);
    }
    return r.errors > 0 ? 1 : 0;
  },
};
export default command;
