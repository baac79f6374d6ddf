import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'preprocess',
  summary: 'not available yet',
  usage: 'nnseg preprocess',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg preprocess');
  },
};
export default command;
