import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'compare',
  summary: 'not available yet',
  usage: 'nnseg compare',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg compare');
  },
};
export default command;
