import type { CliCommand } from './command';
import { UsageError } from '../util/errors';

const command: CliCommand = {
  name: 'lsp',
  summary: 'Run the language server (--stdio) for any LSP editor',
  usage: 'nnseg lsp --stdio | --node-ipc | --socket=PORT | --pipe=NAME',
  // The transport flags are read by vscode-languageserver itself from process.argv.
  options: { stdio: { type: 'boolean' }, 'node-ipc': { type: 'boolean' }, socket: { type: 'string' }, pipe: { type: 'string' }, clientProcessId: { type: 'string' } },
  allowPositionals: true,
  async run(args) {
    const v = args.values;
    if (!v.stdio && !v['node-ipc'] && v.socket === undefined && v.pipe === undefined) {
      throw new UsageError(`Say how the editor talks to the server. Usage: ${command.usage}`);
    }
    // stdout is the protocol channel under --stdio: nothing else may write to it.
    console.log = console.info = (...a: unknown[]) => console.error(...a);
    const { startServer } = require('../lsp/server') as typeof import('../lsp/server');
    startServer();
    // The connection keeps the process alive; it exits when the client sends exit or goes away.
    return new Promise<number>(() => {});
  },
};
export default command;
