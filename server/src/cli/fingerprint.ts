import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'fingerprint',
  summary: 'not available yet',
  usage: 'nnseg fingerprint',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg fingerprint');
  },
};
export default command;
