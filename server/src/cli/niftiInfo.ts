import { NotAvailableError } from '../util/errors';
import type { CliCommand } from './command';

const command: CliCommand = {
  name: 'nifti-info',
  summary: 'not available yet',
  usage: 'nnseg nifti-info',
  options: {},
  allowPositionals: true,
  async run() {
    throw new NotAvailableError('nnseg nifti-info');
  },
};
export default command;
