import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'evaluate',
  summary: 'not available yet',
  usage: 'nnseg evaluate',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg evaluate');
  },
};
export default command;
