/** Worker-thread entry of the training ensemble: runs a block range and posts the exact group sums back. */
import { parentPort, workerData } from 'node:worker_threads';
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { trainWorkerRun, type TrainWorkerJob, type WorkerMessage } from './ensemble.ts';

const job = workerData as TrainWorkerJob;
const post = (msg: WorkerMessage): void => parentPort!.postMessage(msg);
try {
  let pending = 0;
  let last = Date.now();
  const state = trainWorkerRun(job, (k) => {
    pending += k;
    const now = Date.now();
    if (now - last > 200) {
      post({ progress: pending });
      pending = 0;
      last = now;
    }
  });
  if (pending) post({ progress: pending });
  post({ state });
} catch (e) {
  if (e instanceof NnftNumericalError) post({ error: e.message, errorName: 'NnftNumericalError', errorFields: [e.what, e.reason, e.fix] });
  else if (e instanceof NnftInputError) post({ error: e.message, errorName: 'NnftInputError', errorFields: [e.argument] });
  else post({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}
