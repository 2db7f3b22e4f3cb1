/**
 * Worker thread of the kernel engine: takes blocks of rows from the shared queue and updates them in place in the
 * shared K and Θ (src/kernels/pairs.ts). Which thread takes which block does not change any number: every pair is
 * computed by the same code from the same inputs.
 */
import { parentPort } from 'node:worker_threads';
import { runBlocks, type BlockOutcome, type BlockQueue, type LayerInputs, type LayerMatrices, type LayerParams } from './pairs.ts';
import { runExpandTask, type ExpandRequest } from './hermite.ts';
import type { ActivationSpec } from '../spec.ts';
import { getActivation } from '../activations/index.ts';

export type WorkerMessage =
  | { type: 'init'; mat: LayerMatrices }
  | { type: 'run'; params: LayerParams; inp: LayerInputs | null; queue: BlockQueue }
  | { type: 'expand'; activation: ActivationSpec; request: ExpandRequest; counter: Int32Array };

let mat: LayerMatrices | null = null;

/** Hermite expansions of σ or σ' on the tasks this thread takes from the shared counter. */
async function expand(msg: Extract<WorkerMessage, { type: 'expand' }>): Promise<void> {
  const act = getActivation(msg.activation);
  const g = msg.request.fn === 'f' ? act.f : act.derivative(1);
  const results = [];
  const transfer: ArrayBuffer[] = [];
  for (;;) {
    const i = Atomics.add(msg.counter, 0, 1);
    if (i >= msg.request.tasks.length) break;
    const r = runExpandTask(g, msg.request, msg.request.tasks[i]!);
    results.push({ ...r, index: i });
    transfer.push(r.coef.buffer as ArrayBuffer, r.tail.buffer as ArrayBuffer);
  }
  parentPort!.postMessage({ type: 'expanded', results }, transfer);
}

parentPort?.on('message', (msg: WorkerMessage) => {
  if (msg.type === 'expand') {
    expand(msg).catch((e: unknown) => {
      const numerical = e instanceof Error && e.name === 'NnftNumericalError' ? { what: (e as never as { what: string }).what, reason: (e as never as { reason: string }).reason, fix: (e as never as { fix: string }).fix } : undefined;
      parentPort!.postMessage({ type: 'error', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), numerical });
    });
    return;
  }
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
