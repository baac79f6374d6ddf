import type { JobRunner } from '../kinds';
import { checkConfigFile } from '../../lsp/checkFile';
import { NnsegError } from '../../util/errors';

/** Runs the editor's diagnostics on a config file, as `nnseg check` does. */
const run: JobRunner = async (spec, ctx) => {
  if (!spec.configFile) throw new NnsegError('The check job needs a config file.');
  const result = await checkConfigFile(spec.configFile, { workspaceFolders: spec.workspaceFolders, settings: spec.settings });
  for (const d of result.diagnostics) ctx.log(d.severity === 1 ? 'error' : 'warn', `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
  return { errors: result.errors, warnings: result.warnings };
};
export default run;
