import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'lsp',
  summary: 'not available yet',
  usage: 'nnseg lsp',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg lsp');
  },
};
export default command;
