// Worker thread entry: evaluates the cases posted to it, one at a time.
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../../util/errors';
import { runCaseJob, type CaseJob } from './caseJob';

parentPort?.on('message', (job: CaseJob) => {
  runCaseJob(job).then(
    (result) => parentPort?.postMessage({ ok: true, result }),
    (err) => parentPort?.postMessage({ ok: false, error: errorMessage(err) }),
  );
});
