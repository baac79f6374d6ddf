import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'jobs',
  summary: 'not available yet',
  usage: 'nnseg jobs',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg jobs');
  },
};
export default command;
