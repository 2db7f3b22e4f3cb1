/**
 * The block/group engine: runs networks [0, nets) in fixed blocks, accumulates exact group sums, optionally
 * on worker threads and for one shard only. Results depend only on (spec, nets, seed, groups, blockSize).
 */
import { NnftInputError, NnftNumericalError, NnftResourceError } from '../errors.ts';
import { availableCores } from '../resources.ts';
import { tsxWorkerEntry } from '../worker-entry.ts';
import { runBlockWorkers, splitBlockRange } from './block-workers.ts';
import { FlatGroupSums, type GroupState } from './accum.ts';
import { firstNonFinite, throwNonFinite } from './guard.ts';
import { NetStream } from '../rng/index.ts';
import { buildPlan, type NpointRequest, type Plan } from './plan.ts';
import { makeBuffers } from './buffers.ts';
import { simulateNetwork } from './simulate.ts';
import { dntkCost } from './dntk-statistics.ts';
import type { EnsembleSpec } from './types.ts';

export interface RunLayout {
  nets: number;
  seed: number;
  groups: number;
  blockSize: number;
  nBlocks: number;
  /** this run's block range [b0, b1) */
  b0: number;
  b1: number;
  shard: { index: number; count: number } | null;
}

export const DEFAULT_GROUPS = 64;

export function runLayout(spec: EnsembleSpec): RunLayout {
  const nets = spec.nets;
  if (typeof nets !== 'number' || !Number.isSafeInteger(nets) || nets < 1) {
    throw new NnftInputError('nets', `expected an integer ≥ 1, got ${String(nets)}`, 'pass the number of networks to sample, e.g. 100000');
  }
  const seed = spec.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new NnftInputError('seed', `expected a non-negative integer, got ${String(seed)}`);
  const groups = spec.groups ?? DEFAULT_GROUPS;
  if (!Number.isInteger(groups) || groups < 2 || groups > 4096) throw new NnftInputError('groups', `expected an integer in [2, 4096], got ${String(groups)}`);
  const blockSize = spec.blockSize ?? Math.max(1, Math.min(256, Math.floor(nets / (4 * groups))));
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new NnftInputError('blockSize', `expected an integer ≥ 1, got ${String(blockSize)}`);
  const nBlocks = Math.ceil(nets / blockSize);
  let b0 = 0;
  let b1 = nBlocks;
  let shard: RunLayout['shard'] = null;
  if (spec.shard) {
    const { index, count } = spec.shard;
    if (!Number.isInteger(count) || count < 1) throw new NnftInputError('shard', `count must be an integer ≥ 1, got ${String(count)}`);
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new NnftInputError('shard', `index must be an integer in [0, ${count - 1}], got ${String(index)}`, 'shards are numbered from 0 (SLURM_ARRAY_TASK_ID with --array=0-(N-1))');
    }
    b0 = Math.floor((index * nBlocks) / count);
    b1 = Math.floor(((index + 1) * nBlocks) / count);
    shard = { index, count };
  }
  return { nets, seed, groups, blockSize, nBlocks, b0, b1, shard };
}

/** Networks covered by blocks [b0, b1). */
export function netsIn(lay: RunLayout, b0: number, b1: number): number {
  return Math.max(0, Math.min(lay.nets, b1 * lay.blockSize) - Math.min(lay.nets, b0 * lay.blockSize));
}

/** The activation's name for messages. */
export function activationName(spec: EnsembleSpec): string {
  const a = spec.activation as unknown;
  return typeof a === 'string' ? a : a && typeof a === 'object' && 'name' in a ? String((a as { name: unknown }).name) : String(a);
}

/**
 * Run blocks [b0, b1) on this thread. Every network's statistics are checked as they are accumulated: the first
 * NaN or ±Infinity stops the run (NnftNumericalError naming the layer, the input and the likely cause).
 */
export function runBlocks(plan: Plan, lay: RunLayout, b0: number, b1: number, progress?: (nets: number) => void, spec?: EnsembleSpec): GroupState {
  const state = new FlatGroupSums(lay.groups, plan.statisticsSize);
  const buf = makeBuffers(plan);
  const rng = new NetStream(lay.seed);
  sumBlocks(
    lay, b0, b1, plan.statisticsSize,
    (net, one) => simulateNetwork(plan, buf, rng, net, one),
    (b, sums, count) => state.addBlock(b % lay.groups, sums, count),
    progress,
    (one, net) => throwNonFinite({ plan, activation: spec ? activationName(spec) : 'σ' }, one, firstNonFinite(one, plan.statisticsSize), net),
  );
  return state.toGroupState();
}

/**
 * The block sums Σ_{net ∈ block b} s(net), b ∈ [b0, b1), block b holding networks [b·blockSize, min(nets,
 * (b+1)·blockSize)), summed left to right; simulate(net, one) writes the statistics vector s(net) (length
 * `size`) into `one`, addBlock(b, sums, count) receives each block's sums, progress(count) follows it.
 * onNonFinite(one, net) is called for a network with a NaN or ±Infinity statistic (it throws; without it
 * such values are summed).
 */
export function sumBlocks(
  lay: RunLayout, b0: number, b1: number, size: number,
  simulate: (net: number, one: Float64Array) => void,
  addBlock: (b: number, sums: Float64Array, count: number) => void,
  progress?: (nets: number) => void,
  onNonFinite?: (one: Float64Array, net: number) => void,
): void {
  const one = new Float64Array(size);
  const sums = new Float64Array(size);
  for (let b = b0; b < b1; b++) {
    const start = b * lay.blockSize;
    const end = Math.min(lay.nets, start + lay.blockSize);
    sums.fill(0);
    for (let net = start; net < end; net++) {
      simulate(net, one);
      let finite = 0;
      for (let s = 0; s < size; s++) {
        const x = one[s]!;
        finite += x - x; // NaN as soon as one x is NaN or ±Infinity
        sums[s] = sums[s]! + x;
      }
      if (finite !== 0 && onNonFinite) onNonFinite(one, net);
    }
    addBlock(b, sums, end - start);
    progress?.(end - start);
  }
}

export interface WorkerJob {
  spec: EnsembleSpec; // serialisable (no callbacks)
  npoint?: NpointRequest;
  b0: number;
  b1: number;
}

/** Worker entry: a .mjs bootstrap that registers tsx and imports worker.ts (null if tsx cannot be resolved). */
const workerEntry = tsxWorkerEntry(new URL('./worker-boot.mjs', import.meta.url));

/** Strip non-serialisable fields. */
export function serialisableSpec(spec: EnsembleSpec): EnsembleSpec {
  const { onProgress: _p, workers: _w, shard: _s, ...rest } = spec;
  return JSON.parse(JSON.stringify(rest)) as EnsembleSpec;
}

export function defaultWorkers(plan: Plan, lay: RunLayout): number {
  return networkCost(plan) * netsIn(lay, lay.b0, lay.b1) > 2e10 ? availableCores() : 1;
}

/**
 * Work per network in units of ≈ 1 ns on one core (calibrated on the hand-written kernels of sampler.ts): the
 * kernels Ĝ (n_{ℓ−1} m² per layer), sampled layers (n m on the fast path, n n_{ℓ−1} m with weights), the
 * empirical NTK (≈ n n_{ℓ−1}(n + n_{ℓ−1}) m²/2 per layer from layer 1 on) and the statistics vector.
 */
export function networkCost(plan: Plan): number {
  const m = plan.m;
  // per statistic: its product (n-point monomials: prefix × label), the finiteness check and the block sum:
  // measured 6–14 ns of CPU time on a shared two-core machine under load (59 000 statistics of 4-point
  // functions of 16 outputs × 2 inputs, widths 64,64,64, 2000 to 10⁴ networks); the upper value
  let cost = plan.statisticsSize * 14;
  for (let l = 0; l < plan.L; l++) {
    const n = plan.widths[l]!;
    const nPrev = l === 0 ? plan.n0 : plan.widths[l - 1]!;
    cost += nPrev * m * m; // Ĝ
    if (plan.sampleZ[l] || plan.sampleNtk[l]) cost += plan.conditionalLayer[l] ? n * m * 30 : n * nPrev * (m + 15);
    // Θ̂⁽ˡ⁾ (thetaProduct), m(m+1)/2 input pairs: X = W T (n n_{ℓ−1}² with a full T, n n_{ℓ−1} with the diagonal
    // T of layer 1) and X Wᵀ (n² n_{ℓ−1})
    if (plan.sampleNtk[l] && l > 0) cost += ((m * (m + 1)) / 2) * (n * n * nPrev + (l > 1 ? n * nPrev * nPrev : n * nPrev));
    if (plan.ntkStatistics && l > 1) cost += nPrev * nPrev * m * m * m * m;
  }
  cost += dntkCost(plan);
  // ≈ 1 ns per unit on one core. A worker pays a start-up of seconds (tsx + the activation registry, which
  // loads mathjs), so defaultWorkers uses all cores only above ≈ 20 s of single-thread work.
  return cost;
}

/** Run this layout's blocks with `workers` threads (1: inline). Exact merge, so the count never changes results. */
export async function runAll(
  spec: EnsembleSpec,
  plan: Plan,
  lay: RunLayout,
  workers: number,
  npoint?: NpointRequest,
): Promise<GroupState> {
  const total = netsIn(lay, lay.b0, lay.b1);
  let done = 0;
  const onProgress = spec.onProgress;
  const tick = (k: number) => {
    done += k;
    onProgress?.(done, total);
  };
  workers = Math.max(1, Math.min(workers, lay.b1 - lay.b0));
  if (workers === 1 || workerEntry === null) return runBlocks(plan, lay, lay.b0, lay.b1, tick, spec);
  const sspec = serialisableSpec(spec);
  const jobs: WorkerJob[] = splitBlockRange(lay.b0, lay.b1, workers).map(({ b0, b1 }) => ({ spec: { ...sspec, nets: lay.nets, seed: lay.seed, groups: lay.groups, blockSize: lay.blockSize }, npoint, b0, b1 }));
  const states = await runBlockWorkers<GroupState, WorkerError>(workerEntry, jobs, tick, errorFromWorker, 'montecarlo');
  // the same additions as mergeGroupState, into the flat store (no list per statistic grown by push)
  const flat = new FlatGroupSums(lay.groups, plan.statisticsSize);
  for (const s of states) {
    for (let g = 0; g < lay.groups; g++) {
      flat.counts[g]! += s.counts[g]!;
      const row = s.partials[g]!;
      for (let k = 0; k < plan.statisticsSize; k++) for (const x of row[k]!) flat.add(g, k, x);
    }
  }
  return flat.toGroupState();
}

/** Used by the worker: rebuild plan and run. */
export function workerRun(job: WorkerJob, progress: (k: number) => void): GroupState {
  const plan = buildPlan(job.spec, job.npoint);
  const lay = runLayout(job.spec);
  return runBlocks(plan, lay, job.b0, job.b1, progress, job.spec);
}

/** An error crossing the worker boundary: the user-facing classes keep their class and fields. */
export type WorkerError =
  | { kind: 'numerical'; what: string; reason: string; fix: string; location: { layer?: number; quantity?: string; argument?: string } }
  | { kind: 'resource'; what: string; estimate: string; budget: string; fix: string }
  | { kind: 'input'; message: string }
  | { kind: 'internal'; message: string };

export interface WorkerMessage {
  progress?: number;
  state?: GroupState;
  error?: WorkerError;
}

export function errorToWorker(e: unknown): WorkerError {
  if (e instanceof NnftNumericalError) return { kind: 'numerical', what: e.what, reason: e.reason, fix: e.fix, location: e.location };
  if (e instanceof NnftResourceError) return { kind: 'resource', what: e.what, estimate: e.estimate, budget: e.budget, fix: e.fix };
  if (e instanceof NnftInputError) return { kind: 'input', message: e.message };
  return { kind: 'internal', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

export function errorFromWorker(w: WorkerError): Error {
  switch (w.kind) {
    case 'numerical':
      return new NnftNumericalError(w.what, w.reason, w.fix, w.location);
    case 'resource':
      return new NnftResourceError(w.what, w.estimate, w.budget, w.fix);
    case 'input': {
      // the message is already complete ("invalid ARG: problem — fix"); keep it verbatim
      const e = new NnftInputError('', '');
      e.message = w.message;
      return e;
    }
    default:
      return new Error(w.message);
  }
}
