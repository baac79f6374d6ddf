import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'check-dataset',
  summary: 'not available yet',
  usage: 'nnseg check-dataset',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg check-dataset');
  },
};
export default command;
