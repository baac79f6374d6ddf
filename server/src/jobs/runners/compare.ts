import { NotAvailableError } from '../../util/errors';
import type { JobRunner } from '../kinds';

const run: JobRunner = async (spec) => {
  throw new NotAvailableError(`The '${spec.kind}' job`);
};
export default run;
