/**
 * Worker thread of the kernel engine: takes blocks of rows from the shared queue and updates them in place in the
 * shared K and Θ (src/kernels/pairs.ts). Which thread takes which block does not change any number: every pair is
 * computed by the same code from the same inputs.
 */
import { parentPort } from 'node:worker_threads';
import { runBlocks, type BlockOutcome, type BlockQueue, type LayerInputs, type LayerMatrices, type LayerParams } from './pairs.ts';

export type WorkerMessage =
  | { type: 'init'; mat: LayerMatrices }
  | { type: 'run'; params: LayerParams; inp: LayerInputs | null; queue: BlockQueue };

let mat: LayerMatrices | null = null;

parentPort?.on('message', (msg: WorkerMessage) => {
  try {
    if (msg.type === 'init') {
      mat = msg.mat;
      parentPort!.postMessage({ type: 'ready' });
      return;
    }
    if (!mat) throw new Error('kernel worker: run before init');
    const out: BlockOutcome = { fallback: [], nonFinite: -1 };
    runBlocks(mat, msg.inp, msg.params, msg.queue, out);
    parentPort!.postMessage({ type: 'done', fallback: out.fallback, nonFinite: out.nonFinite });
  } catch (e) {
    parentPort!.postMessage({ type: 'error', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
