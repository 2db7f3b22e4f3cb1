/** Worker-thread entry of the group-convolutional Monte Carlo: runs a block range, posts the exact group sums back. */
import { parentPort, workerData } from 'node:worker_threads';
import { gcnnWorkerRun, type GcnnWorkerJob } from './ensemble.ts';

const job = workerData as GcnnWorkerJob;
try {
  let pending = 0;
  let last = Date.now();
  const state = gcnnWorkerRun(job, (k) => {
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
  parentPort!.postMessage({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}
