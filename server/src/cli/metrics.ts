import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'metrics',
  summary: 'not available yet',
  usage: 'nnseg metrics',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg metrics');
  },
};
export default command;
