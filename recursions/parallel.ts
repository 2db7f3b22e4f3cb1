/**
 * Worker threads for the expectation tasks of ./prefetch.ts, driven synchronously (the solver stays a plain function).
 *
 * A layer's tasks are written into shared memory (SharedArrayBuffer) together with the layer kernel; every thread —
 * the calling one included — takes blocks of tasks from a shared counter until none is left and writes the values
 * into a shared result array; the calling thread waits with Atomics.wait until every block is done, then copies the
 * finite values into the layer's memo in task order. Workers are started once per process (kept, unref'd, so they
 * never hold the process open) and join as soon as they have loaded; a block they have not finished within the
 * stall limit is left to the evaluators, which compute any missing value themselves. Each task is computed by the
 * same code in whichever thread takes it, so the numbers do not depend on the number of workers.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ActivationSpec } from '../src/spec.ts';
import type { LayerExpectationStore } from '../src/gaussian/index.ts';
import { availableCores } from '../src/resources.ts';
import { computeTasks, type ExpectationTask } from './prefetch.ts';

/** Control words of a layer job (Int32Array over a SharedArrayBuffer). */
const NEXT_BLOCK = 0;
const BLOCKS_DONE = 1;
const WEIGHT_DONE = 2;
const CONTROL_WORDS = 4;

/** A layer job as posted to a worker. */
export interface LayerJob {
  activation: ActivationSpec;
  m: number;
  /** m × m kernel, row-major (shared) */
  K: Float64Array;
  /** encodeTasks layout (shared) */
  tasks: Int32Array;
  /** one value per pattern, NaN until computed (shared) */
  results: Float64Array;
  control: Int32Array;
  /** task index ranges of the blocks: block b is [blockStart[b], blockStart[b + 1]) */
  blockStart: Int32Array;
  /** per task: its weight (progress) */
  weights: Int32Array;
}

function shared<T extends Int32Array | Float64Array>(C: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T {
  return new C(new SharedArrayBuffer(C.BYTES_PER_ELEMENT * Math.max(1, n)));
}

/**
 * Tasks as one Int32Array: [n, start_0 … start_n, result_0 … result_n, data…]; task i's data at start_i:
 * k, inputs (k), P, then per pattern and input: count, orders (count); its values at results[result_i + p].
 */
export function encodeTasks(tasks: readonly ExpectationTask[]): { buf: Int32Array; results: number } {
  const n = tasks.length;
  let size = 1 + 2 * (n + 1);
  let results = 0;
  for (const t of tasks) {
    size += 2 + t.inputs.length;
    for (const p of t.patterns) for (const o of p) size += 1 + o.length;
    results += t.patterns.length;
  }
  const buf = shared(Int32Array, size);
  buf[0] = n;
  let at = 1 + 2 * (n + 1);
  let r = 0;
  tasks.forEach((t, i) => {
    buf[1 + i] = at;
    buf[2 + n + i] = r;
    buf[at++] = t.inputs.length;
    for (const a of t.inputs) buf[at++] = a;
    buf[at++] = t.patterns.length;
    for (const p of t.patterns) {
      for (const o of p) {
        buf[at++] = o.length;
        for (const k of o) buf[at++] = k;
      }
    }
    r += t.patterns.length;
  });
  buf[1 + n] = at;
  buf[2 + 2 * n] = r;
  return { buf, results };
}

/** Task i of an encoded buffer, and the offset of its values in the result array. */
export function decodeTask(buf: Int32Array, i: number): { inputs: number[]; patterns: number[][][]; result: number } {
  const n = buf[0]!;
  let at = buf[1 + i]!;
  const result = buf[2 + n + i]!;
  const k = buf[at++]!;
  const inputs: number[] = [];
  for (let j = 0; j < k; j++) inputs.push(buf[at++]!);
  const P = buf[at++]!;
  const patterns: number[][][] = [];
  for (let p = 0; p < P; p++) {
    const pat: number[][] = [];
    for (let j = 0; j < k; j++) {
      const c = buf[at++]!;
      const o: number[] = [];
      for (let q = 0; q < c; q++) o.push(buf[at++]!);
      pat.push(o);
    }
    patterns.push(pat);
  }
  return { inputs, patterns, result };
}

/**
 * Run the blocks of a layer job in this thread until none is left: task values into job.results (NaN where the task
 * threw: its expectations are computed again, and reported, by the evaluators). Used by the workers and the caller.
 */
export function runBlocks(job: LayerJob, store: LayerExpectationStore, onBlock?: () => void): void {
  const nBlocks = job.blockStart.length - 1;
  for (;;) {
    const b = Atomics.add(job.control, NEXT_BLOCK, 1);
    if (b >= nBlocks) return;
    let w = 0;
    const tasks: ReturnType<typeof decodeTask>[] = [];
    for (let i = job.blockStart[b]!; i < job.blockStart[b + 1]!; i++) {
      tasks.push(decodeTask(job.tasks, i));
      w += job.weights[i]!;
    }
    computeTasks(tasks, store).forEach((v, j) => {
      if (v) job.results.set(v, tasks[j]!.result); // else left NaN
    });
    Atomics.add(job.control, WEIGHT_DONE, w);
    Atomics.add(job.control, BLOCKS_DONE, 1);
    Atomics.notify(job.control, BLOCKS_DONE);
    onBlock?.();
  }
}

/** Worker entry: a .mjs bootstrap that registers tsx and imports ./worker.ts (null if tsx cannot be resolved). */
const workerEntry = (() => {
  try {
    createRequire(import.meta.url).resolve('tsx');
    return new URL('./worker-boot.mjs', import.meta.url);
  } catch {
    return null;
  }
})();

let pool: Worker[] = [];

/** The process's expectation workers, started on first use (count capped at the available cores − 1). */
function workers(count: number): Worker[] {
  if (workerEntry === null) return [];
  count = Math.max(0, Math.min(count, availableCores() - 1));
  while (pool.length < count) {
    // a young generation of 128 MB (V8's default is a few tens): the short-lived tables of the tasks die in fewer
    // scavenges (measured at m = 32, K,Θ,V4,K1: ~7% less CPU time)
    const w = new Worker(workerEntry, { resourceLimits: { maxYoungGenerationSizeMb: 128 } });
    w.unref();
    w.on('error', () => dropWorkers());
    pool.push(w);
  }
  return pool.slice(0, count);
}

/** Terminate every worker (a later layer starts fresh ones). */
export function dropWorkers(): void {
  const old = pool;
  pool = [];
  for (const w of old) void w.terminate();
}

/** Seconds without any finished block after which the workers are given up on (their tasks fall to the evaluators). */
const STALL_SECONDS = 300;

/**
 * Compute a layer's tasks on `nWorkers` workers plus this thread; finite values go into the memo (`store`).
 * tick(weightDone, weightTotal) reports progress about every 200 ms.
 */
export function runTasksParallel(
  activation: ActivationSpec, K: Float64Array, m: number, tasks: readonly ExpectationTask[], store: LayerExpectationStore, nWorkers: number,
  tick?: (done: number, total: number) => void,
): void {
  const { buf, results: nResults } = encodeTasks(tasks);
  const results = shared(Float64Array, nResults).fill(NaN);
  const Ks = shared(Float64Array, m * m);
  Ks.set(K.subarray(0, m * m));
  // blocks of about equal weight, ~16 per thread (dynamic balancing), at least one task each
  const weights = shared(Int32Array, tasks.length);
  let total = 0;
  tasks.forEach((t, i) => {
    weights[i] = t.weight;
    total += t.weight;
  });
  const ws = workers(nWorkers);
  const target = Math.max(1, total / (16 * (ws.length + 1)));
  const starts: number[] = [0];
  let acc = 0;
  for (let i = 0; i < tasks.length; i++) {
    acc += tasks[i]!.weight;
    if (acc >= target && i + 1 < tasks.length) {
      starts.push(i + 1);
      acc = 0;
    }
  }
  starts.push(tasks.length);
  const blockStart = shared(Int32Array, starts.length);
  blockStart.set(starts);
  const control = shared(Int32Array, CONTROL_WORDS);
  const job: LayerJob = { activation, m, K: Ks, tasks: buf, results, control, blockStart, weights };
  for (const w of ws) w.postMessage(job);
  let last = 0;
  const report = (): void => {
    const now = Date.now();
    if (tick && now - last >= 200) {
      last = now;
      tick(Atomics.load(control, WEIGHT_DONE), total);
    }
  };
  runBlocks(job, store, report);
  // wait for the blocks the workers took
  const nBlocks = starts.length - 1;
  let seen = Atomics.load(control, BLOCKS_DONE);
  let since = Date.now();
  while (seen < nBlocks) {
    Atomics.wait(control, BLOCKS_DONE, seen, 200);
    report();
    const now = Atomics.load(control, BLOCKS_DONE);
    if (now !== seen) {
      seen = now;
      since = Date.now();
    } else if (Date.now() - since > STALL_SECONDS * 1000) {
      dropWorkers();
      break;
    }
  }
  tick?.(total, total);
  tasks.forEach((t, i) => {
    const r = buf[2 + tasks.length + i]!;
    for (let p = 0; p < t.patterns.length; p++) {
      const v = results[r + p]!;
      if (Number.isFinite(v)) store.store(t.keys[p]!, v);
    }
  });
}

/** Worker threads a solve uses by default: all cores but the calling thread's, when the layer's work pays for them. */
export function defaultWorkers(): number {
  return workerEntry === null ? 0 : Math.max(0, availableCores() - 1);
}
