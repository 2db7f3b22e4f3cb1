/** Worker-thread entry of the group-convolutional Monte Carlo: runs a block range, posts the exact group sums back. */
import { workerData } from 'node:worker_threads';
import { postBlockRun } from '../montecarlo/block-workers.ts';
import { gcnnWorkerRun, type GcnnWorkerJob } from './ensemble.ts';

postBlockRun((progress) => gcnnWorkerRun(workerData as GcnnWorkerJob, progress), (e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
