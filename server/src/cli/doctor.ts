import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'doctor',
  summary: 'not available yet',
  usage: 'nnseg doctor',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg doctor');
  },
};
export default command;
