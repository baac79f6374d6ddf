import { NnsegError } from '../../util/errors';

/**
 * A NIfTI file that cannot be read or written. `problem` continues the sentence after the file name
 * ("has datatype code 17, which is not a NIfTI datatype"), so the message is one sentence naming both.
 */
export class NiftiError extends NnsegError {
  constructor(file: string, readonly problem: string) {
    super(`${file} ${problem.replace(/\.$/, '')}.`, file, 'ENIFTI');
  }
}
