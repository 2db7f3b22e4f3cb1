/** Worker-thread entry: runs a block range and posts the exact group sums back (see run.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { errorToWorker, workerRun, type WorkerJob } from './run.ts';

const job = workerData as WorkerJob;
try {
  let pending = 0;
  let last = Date.now();
  const state = workerRun(job, (k) => {
    pending += k;
    const now = Date.now();
    if (now - last > 200) {
      parentPort!.postMessage({ progress: pending });
      pending = 0;
      last = now;
    }
  });
  if (pending) parentPort!.postMessage({ progress: pending });
  parentPort!.postMessage({ state });
} catch (e) {
  parentPort!.postMessage({ error: errorToWorker(e) });
}
