/**
 * Monte Carlo block ranges on worker threads. Blocks [b0, b1) (nb = b1 − b0) are split into W contiguous
 * ranges [b0 + ⌊w·nb/W⌋, b0 + ⌊(w+1)·nb/W⌋), w = 0…W−1; each worker returns the exact group sums of its
 * range, so the merged sums do not depend on W. A worker posts { progress: networks } at most every 200 ms,
 * then { state } or { error }.
 */
import { parentPort, Worker } from 'node:worker_threads';

/** The W contiguous block ranges of [b0, b1). */
export function splitBlockRange(b0: number, b1: number, workers: number): { b0: number; b1: number }[] {
  const nb = b1 - b0;
  return Array.from({ length: workers }, (_, w) => ({ b0: b0 + Math.floor((w * nb) / workers), b1: b0 + Math.floor(((w + 1) * nb) / workers) }));
}

/**
 * One worker per job (its workerData); resolves to the states the workers post, in job order. `tick(k)` gets
 * the networks each progress message reports; `decodeError` turns a posted error back into the thrown one.
 */
export function runBlockWorkers<S, E>(
  entry: URL, jobs: readonly unknown[], tick: (nets: number) => void, decodeError: (error: E) => Error, name: string,
): Promise<S[]> {
  return Promise.all(
    jobs.map(
      (job) =>
        new Promise<S>((resolve, reject) => {
          const worker = new Worker(entry, { workerData: job });
          worker.on('message', (msg: { progress?: number; state?: S; error?: E }) => {
            if (msg.progress !== undefined) tick(msg.progress);
            if (msg.state) resolve(msg.state);
            if (msg.error) reject(decodeError(msg.error));
          });
          worker.on('error', reject);
          worker.on('exit', (code) => {
            if (code !== 0) reject(new Error(`${name} worker exited with code ${code}`));
          });
        }),
    ),
  );
}

/** Worker side: run(progress) and post its progress, then its state, or the error as `encodeError` writes it. */
export function postBlockRun<S>(run: (progress: (nets: number) => void) => S, encodeError: (e: unknown) => unknown): void {
  try {
    let pending = 0;
    let last = Date.now();
    const state = run((k) => {
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
    parentPort!.postMessage({ error: encodeError(e) });
  }
}
