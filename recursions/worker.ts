/**
 * Worker thread of ./parallel.ts: for each layer job it receives, it builds the layer's expectation store from the
 * shared kernel and computes blocks of tasks until none is left (the same code as the calling thread runs).
 */
import { parentPort } from 'node:worker_threads';
import { getActivation } from '../src/activations/index.ts';
import type { Activation } from '../src/activations/types.ts';
import { makeLayerExpectationStore } from '../src/gaussian/index.ts';
import { runBlocks, type LayerJob } from './parallel.ts';

const activations = new Map<string, Activation>();

parentPort!.on('message', (job: LayerJob) => {
  try {
    const key = JSON.stringify(job.activation);
    let act = activations.get(key);
    if (!act) activations.set(key, (act = getActivation(job.activation)));
    const { m } = job;
    const K = Array.from({ length: m }, (_, a) => Array.from(job.K.subarray(a * m, (a + 1) * m)));
    runBlocks(job, makeLayerExpectationStore(act, K));
  } catch {
    // a block left unfinished is computed by the evaluators
  }
});
