import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'plan',
  summary: 'not available yet',
  usage: 'nnseg plan',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg plan');
  },
};
export default command;
