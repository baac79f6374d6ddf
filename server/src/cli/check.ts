import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'check',
  summary: 'not available yet',
  usage: 'nnseg check',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg check');
  },
};
export default command;
