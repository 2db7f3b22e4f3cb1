/** Worker-thread entry: runs a block range and posts the exact group sums back (see run.ts). */
import { workerData } from 'node:worker_threads';
import { postBlockRun } from './block-workers.ts';
import { errorToWorker, workerRun, type WorkerJob } from './run.ts';

postBlockRun((progress) => workerRun(workerData as WorkerJob, progress), errorToWorker);
