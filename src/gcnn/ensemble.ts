/**
 * `sampleGcnnEnsemble(spec)`: per-layer K, V4, K¹, Θ, Θ¹, A, B, D, F of sampled group-convolutional networks with
 * standard errors, pooled over the group (the MLP result's shapes) and on request on (input, group element) pairs
 * — the Monte Carlo counterpart of solveGcnnRecursions, in the same normalisation (finite-width quantities
 * multiplied by n_{ℓ−1} channels).
 *
 * The machinery is src/montecarlo's: fixed blocks of networks, exact (order-independent) group sums and the
 * grouped jackknife (accum.ts), the counter-based stream of each network (rng.ts), the block layout (run.ts), and
 * worker threads whose count never changes the numbers. Estimators: sampler.ts.
 */
import { availableParallelism } from 'node:os';
import { NnftInputError } from '../errors.ts';
import { formatSeconds, requireMemory, requireTime } from '../resources.ts';
import { addBlock, jackknife, mergeGroupState, newGroupState, type GroupState } from '../montecarlo/accum.ts';
import { NetStream } from '../rng/index.ts';
import { netsIn, runLayout, sumBlocks, type RunLayout } from '../montecarlo/run.ts';
import { runBlockWorkers, splitBlockRange } from '../montecarlo/block-workers.ts';
import { tsxWorkerEntry } from '../worker-entry.ts';
import type { EnsembleSpec, Estimate } from '../montecarlo/types.ts';
import { normalizeGcnn, type GcnnSpec, type NormalizedGcnn } from './architecture.ts';
import { gcnnKernels } from './kernels.ts';
import { buildGcnnPlan, makeGcnnBuffers, simulateGcnn, type GcnnMcQuantity, type GcnnPlan } from './sampler.ts';
import { describeGcnn, nest2, nest4, pairLabels, type GcnnDescription, type PairLabel } from './solve.ts';
import { pool2 } from './support-map.ts';

export interface GcnnEnsembleSpec extends GcnnSpec {
  /** number of networks (≥ 1) */
  nets: number;
  /** non-negative integer seed (default 0) */
  seed?: number;
  /** K, V4, K1, Theta, Theta1, A, B, D, F (default K, V4) */
  quantities?: readonly string[];
  /** also estimate the tensors on (input, group element) pairs */
  groupIndexed?: boolean;
  /** worker threads (default: 1 for small runs, all cores for large ones); results do not depend on it */
  workers?: number;
  /** jackknife groups (default 64) and block size (default from nets) */
  groups?: number;
  blockSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface GcnnMcLayer {
  layer: number;
  width: number;
  K?: Estimate<number[][]>;
  V4?: Estimate<number[][][][]>;
  K1?: Estimate<number[][]>;
  Theta?: Estimate<number[][]>;
  Theta1?: Estimate<number[][]>;
  A?: Estimate<number[][][][]>;
  B?: Estimate<number[][][][]>;
  D?: Estimate<number[][][][]>;
  F?: Estimate<number[][][][]>;
}

export interface GcnnMcResult {
  layers: GcnnMcLayer[];
  gcnn: GcnnDescription;
  groupIndexed?: { pairs: PairLabel[]; layers: GcnnMcLayer[] };
  meta: { nets: number; seed: number; groups: number; blockSize: number; workers: number; seconds: number; netsPerSecond: number; notes: string[] };
}

const RANK4 = new Set<GcnnMcQuantity>(['V4', 'A', 'B', 'D', 'F']);

/** Floating-point operations per network (≈ 1 ns each on one core), for the worker choice and the time budget. */
export function costPerNet(p: GcnnPlan): number {
  const { M, L } = p;
  const ch = p.ns.channels;
  let cost = ch[0]! * M * p.rank1 + p.S * 2;
  for (let l = 1; l < L; l++) {
    const n = ch[l - 1]!;
    const nn = ch[l]!;
    const s = p.sizes[l]!;
    cost += n * M * M + M * M * s + M ** 3;
    if (p.ntk) {
      cost += 2 * (n * M) ** 2;
      if (l < L - 1) cost += 2 * nn * n * n * s * M * M + nn * n * s * M;
      if (p.indexed) cost += M ** 4 * (2 * n * n + 2 * s * s) + M ** 3 * n * n;
    } else cost += nn * M * M;
  }
  return cost;
}

function layoutOf(spec: GcnnEnsembleSpec): RunLayout {
  return runLayout({ nets: spec.nets, seed: spec.seed, groups: spec.groups, blockSize: spec.blockSize } as EnsembleSpec);
}

/** Run blocks [b0, b1) on this thread. */
function runBlocks(p: GcnnPlan, lay: RunLayout, b0: number, b1: number, progress?: (k: number) => void): GroupState {
  const state = newGroupState(lay.groups, p.S);
  const buf = makeGcnnBuffers(p);
  const rng = new NetStream(lay.seed);
  sumBlocks(lay, b0, b1, p.S, (net, one) => simulateGcnn(p, buf, rng, net, one), (b, sums, count) => addBlock(state, b % lay.groups, sums, count), progress);
  return state;
}

/** The plan (layer-1 kernel only; the infinite-width kernels of all layers are computed when finishing). */
function planFor(spec: GcnnEnsembleSpec, ns: NormalizedGcnn): GcnnPlan {
  const kernels = gcnnKernels(ns, { theta: true, depth: 1 });
  return buildGcnnPlan(ns, kernels, { quantities: spec.quantities, groupIndexed: spec.groupIndexed });
}

export interface GcnnWorkerJob {
  spec: GcnnEnsembleSpec;
  b0: number;
  b1: number;
}

/** Used by the worker thread. */
export function gcnnWorkerRun(job: GcnnWorkerJob, progress: (k: number) => void): GroupState {
  const ns = normalizeGcnn(job.spec);
  const p = planFor(job.spec, ns);
  return runBlocks(p, layoutOf(job.spec), job.b0, job.b1, progress);
}

const workerEntry = tsxWorkerEntry(new URL('./worker-boot.mjs', import.meta.url));

async function runAll(spec: GcnnEnsembleSpec, p: GcnnPlan, lay: RunLayout, workers: number): Promise<GroupState> {
  const total = netsIn(lay, lay.b0, lay.b1);
  let done = 0;
  const tick = (k: number): void => {
    done += k;
    spec.onProgress?.(done, total);
  };
  workers = Math.max(1, Math.min(workers, lay.b1 - lay.b0));
  if (workers === 1 || workerEntry === null) return runBlocks(p, lay, lay.b0, lay.b1, tick);
  const { onProgress: _p, workers: _w, ...rest } = spec;
  const sspec = JSON.parse(JSON.stringify({ ...rest, seed: lay.seed, groups: lay.groups, blockSize: lay.blockSize })) as GcnnEnsembleSpec;
  const jobs: GcnnWorkerJob[] = splitBlockRange(lay.b0, lay.b1, workers).map(({ b0, b1 }) => ({ spec: sspec, b0, b1 }));
  const states = await runBlockWorkers<GroupState, string>(workerEntry, jobs, tick, (error) => new Error(error), 'gcnn Monte Carlo');
  const state = newGroupState(lay.groups, p.S);
  for (const s of states) mergeGroupState(state, s);
  return state;
}

/** Sample networks and estimate the requested quantities; see the module comment. */
export async function sampleGcnnEnsemble(spec: GcnnEnsembleSpec): Promise<GcnnMcResult> {
  const ns = normalizeGcnn(spec);
  const lay = layoutOf(spec);
  const p = planFor(spec, ns);
  requireMemory(
    `the Monte Carlo sums of ${p.S} statistics per network (${lay.groups} jackknife groups)`,
    lay.groups * p.S * 64,
    p.indexed ? 'drop --group-indexed (pooled statistics need far fewer sums), or use fewer inputs or quantities' : 'use fewer inputs or quantities',
  );
  const cost = costPerNet(p) * lay.nets;
  const cores = availableParallelism();
  let workers = spec.workers;
  if (workers === undefined) workers = cost > 2e10 ? cores : 1;
  else if (!Number.isInteger(workers) || workers < 1) throw new NnftInputError('workers', `expected an integer ≥ 1, got ${String(workers)}`);
  requireTime(`sampling ${lay.nets} group-convolutional networks`, (cost * 1e-9) / Math.min(workers, cores), `use fewer networks (≈ ${formatSeconds(costPerNet(p) * 1e-9)} each on one core), fewer channels or a smaller group, or raise NNFT_MAX_SECONDS`);
  const t0 = performance.now();
  const state = await runAll(spec, p, lay, workers);
  const seconds = (performance.now() - t0) / 1000;
  return finishGcnn(ns, p, lay, state, seconds, workers);
}

function finishGcnn(ns: NormalizedGcnn, p: GcnnPlan, lay: RunLayout, state: GroupState, seconds: number, workers: number): GcnnMcResult {
  const { m, M, L, order, P2, sym } = p;
  const q = p.quantities;
  const ch = ns.channels;
  const needInf = q.includes('K1') || q.includes('Theta1');
  const inf = needInf ? gcnnKernels(ns, { theta: q.includes('Theta1') }) : null;
  const infPooled = inf ? { K: inf.K.map((k) => pool2(k, m, order)), T: inf.Theta?.map((t) => pool2(t, m, order)) } : null;
  const triStart = new Int32Array(P2);
  for (let r = 0; r < P2; r++) triStart[r] = r * P2 - (r * (r - 1)) / 2;
  const tri = (a: number, b: number): number => (a <= b ? triStart[a]! + (b - a) : triStart[b]! + (a - b));
  // output blocks: per layer, per quantity: pooled (m), then indexed (M)
  interface Block { layer: number; quantity: GcnnMcQuantity; indexed: boolean; offset: number; size: number; dim: number }
  const blocks: Block[] = [];
  let size = 0;
  for (let l = 0; l < L; l++) {
    for (const x of q) {
      for (const indexed of p.indexed ? [false, true] : [false]) {
        const dim = indexed ? M : m;
        const sz = RANK4.has(x) ? dim ** 4 : dim * dim;
        blocks.push({ layer: l, quantity: x, indexed, offset: size, size: sz, dim });
        size += sz;
      }
    }
  }
  const k1Pooled = pool2(p.K1, m, order);
  const t1Pooled = pool2(p.T1, m, order);
  const f = (mu: Float64Array): Float64Array => {
    const out = new Float64Array(size);
    for (const bk of blocks) {
      const { layer: l, quantity: x, indexed, offset: o, dim } = bk;
      if (l === 0) {
        // layer 1 is exact: K⁽¹⁾, Θ⁽¹⁾, zero finite-width statistics
        if (x === 'K' || x === 'Theta') {
          const src = x === 'K' ? (indexed ? p.K1 : k1Pooled) : indexed ? p.T1 : t1Pooled;
          for (let t = 0; t < dim * dim; t++) out[o + t] = src[t]!;
        }
        continue;
      }
      const lay2 = p.layout[l]!;
      const nP = ch[l - 1]!;
      const d2 = dim * dim;
      // accessors for the means of Ĝ, h at 2-index entry (a, b) of this block's index space
      const G = (a: number, b: number): number => (indexed ? mu[lay2.G + sym[a * M + b]!]! : mu[lay2.Gp + a * m + b]!);
      const H = (a: number, b: number): number => (indexed ? mu[lay2.h + sym[a * M + b]!]! : mu[lay2.hp + a * m + b]!);
      switch (x) {
        case 'K':
        case 'Theta':
        case 'K1':
        case 'Theta1': {
          const isK = x === 'K' || x === 'K1';
          for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) {
            const v = isK ? G(a, b) : H(a, b);
            let r = v;
            if (x === 'K1') r = nP * (v - (indexed ? inf!.K[l]![a * M + b]! : infPooled!.K[l]![a * m + b]!));
            if (x === 'Theta1') r = nP * (v - (indexed ? inf!.Theta![l]![a * M + b]! : infPooled!.T![l]![a * m + b]!));
            out[o + a * dim + b] = r;
          }
          break;
        }
        case 'V4':
        case 'A':
        case 'D': {
          for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) for (let c = 0; c < dim; c++) for (let d = 0; d < dim; d++) {
            let prod: number;
            let first: number;
            let second: number;
            if (x === 'V4') {
              first = G(a, b);
              second = G(c, d);
              prod = indexed ? mu[lay2.GG + tri(sym[a * M + b]!, sym[c * M + d]!)]! : mu[lay2.GGp + (a * m + b) * m * m + c * m + d]!;
            } else if (x === 'A') {
              first = H(a, b);
              second = H(c, d);
              prod = indexed ? mu[lay2.hh + tri(sym[a * M + b]!, sym[c * M + d]!)]! : mu[lay2.hhp + (a * m + b) * m * m + c * m + d]!;
            } else {
              first = H(a, b);
              second = G(c, d);
              prod = indexed ? mu[lay2.hG + sym[a * M + b]! * P2 + sym[c * M + d]!]! : mu[lay2.hGp + (a * m + b) * m * m + c * m + d]!;
            }
            out[o + (a * dim + b) * d2 + c * dim + d] = nP * (prod - first * second);
          }
          break;
        }
        case 'B':
        case 'F': {
          const src = indexed ? (x === 'B' ? lay2.B : lay2.F) : x === 'B' ? lay2.Bp : lay2.Fp;
          for (let t = 0; t < d2 * d2; t++) out[o + t] = mu[src + t]!;
          break;
        }
      }
    }
    return out;
  };
  const jk = jackknife(state, f);
  const mk = (indexed: boolean): GcnnMcLayer[] => {
    const layers: GcnnMcLayer[] = ch.map((w, l) => ({ layer: l + 1, width: w }));
    for (const bk of blocks) {
      if (bk.indexed !== indexed) continue;
      const nest = RANK4.has(bk.quantity) ? nest4 : nest2;
      const view = (t: Float64Array) => nest(t.subarray(bk.offset, bk.offset + bk.size), bk.dim);
      (layers[bk.layer] as unknown as Record<string, unknown>)[bk.quantity] = { mean: view(jk.value), stderr: view(jk.stderr) };
    }
    return layers;
  };
  const n = state.counts.reduce((a, b) => a + b, 0);
  const notes = [
    'conditional (Rao–Blackwellised) estimators: moments of layer ℓ from the exact conditional expectations given layer ℓ−1; layer 1 is exact',
    'pooled: statistics of the group-averaged channels z̄(f) = mean_g z(f, g)',
  ];
  if (needInf) notes.push('K1/Theta1 subtract the infinite-width kernels of solveGcnnRecursions');
  const out: GcnnMcResult = {
    layers: mk(false),
    gcnn: describeGcnn(ns),
    meta: { nets: n, seed: lay.seed, groups: lay.groups, blockSize: lay.blockSize, workers, seconds, netsPerSecond: seconds > 0 ? n / seconds : 0, notes },
  };
  if (p.indexed) out.groupIndexed = { pairs: pairLabels(ns), layers: mk(true) };
  return out;
}
