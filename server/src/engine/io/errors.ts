import { NnsegError } from '../../util/errors';

/** A NIfTI file that cannot be read or written; the message names the file and the problem. */
export class NiftiError extends NnsegError {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`, file, 'ENIFTI');
  }
}
