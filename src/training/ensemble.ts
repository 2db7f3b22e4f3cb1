/**
 * Ensembles of networks actually trained by gradient descent (network.ts), with the mean and covariance of
 * their test predictions after each recorded number of steps, and grouped-jackknife standard errors.
 *
 * Sampling unit: an antithetic pair (default) — network u's initial parameters and its partner with the output
 * layer's W, b negated (f₀ → −f₀, same empirical NTK Θ̂). Averaging the pair cancels the odd part of the
 * trained function in f₀; for the linearised model f_t = f₀ + Θ̂(x,X)Θ̂⁻¹(I − e^{−ηΘ̂t})(Y − f₀(X)) the pair mean
 * is exactly Θ̂(x,X)Θ̂⁻¹(I − e^{−ηΘ̂t})Y, so the O(1) initialisation noise of the mean is removed and what
 * remains are the O(1/√n) fluctuations of Θ̂ and the nonlinear corrections. The flip leaves the Gaussian
 * initial distribution invariant, so every network is still a draw from it (not so with a mean shift, which
 * switches pairs off).
 *
 * Statistics per unit (P units in all; p = the unit's mean over its 1 or 2 networks, D outputs):
 *   mean:        p_i(x_a)                                            → E[f_i(x_a)]
 *   moment:      (1/D) Σ_i ⟨f_i(x_a) f_i(x_b)⟩_unit                 → E[f f]
 *   pair moment: (1/D) Σ_i p_i(x_a) p_i(x_b)
 *   loss:        ½ Σ_α ‖f(x_α) − y_α‖² averaged over the unit
 *   ntk (option): Θ̂(x_α, x_β) on the training inputs (network.ts), averaged over the unit, at initialisation
 *                 and after each recorded step                         → E[Θ̂_s(X,X)]
 * covariance_ab = moment − (1/D)Σ_i μ_i μ_i + (pair moment − (1/D)Σ_i μ_i μ_i)/(P − 1): the last term removes the
 * O(1/P) bias of the plug-in estimate exactly for independent units (E[μ̂μ̂ᵀ] = μμᵀ + Cov(p)/P). The covariance is
 * the same for all outputs at infinite width and is reported averaged over them.
 *
 * Reproducibility and sharding exactly as `nnft mc` (src/montecarlo/run.ts layout, accum.ts exact sums): unit u
 * uses stream u of the seed; units run in fixed blocks whose sums are added exactly to jackknife group
 * (block mod G), so results do not depend on workers, shards or the order of merging.
 *
 * The recorded NTK is reported next to the frozen (infinite-width) dynamics kernel H(X,X) = V Λ Vᵀ and projected
 * on its extreme eigenvectors: v_kᵀ E[Θ̂_s] v_k / λ_k − 1 (the relative shift of the mean NTK along v_k from the
 * frozen eigenvalue; at s = 0 it is the O(1/n) mean shift vᵀΘ¹v/(nλ), PDLT ch. 8) and v_kᵀ E[Θ̂_s − Θ̂_0] v_k / λ_k (the drift
 * during training; zero at infinite width, where the NTK is frozen: Jacot, Gabriel, Hongler). Both are linear in
 * the means, so their jackknife errors include the correlations between the entries.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { availableCores, formatBytes, memoryBudget, requireMemory, requireTime } from '../resources.ts';
import { addBlock, coalesceBlocks, jackknife, mergeGroupState, newGroupState, type GroupState } from '../montecarlo/accum.ts';
import { WORKER_BYTES } from '../montecarlo/budget.ts';
import { netsIn, runLayout, type RunLayout } from '../montecarlo/run.ts';
import type { EnsembleSpec } from '../montecarlo/types.ts';
import { symmetricEigenDense } from './eigen.ts';
import { flopsPerStep, NetworkState, type NetworkPlan } from './network.ts';
import { validateData, validateLr, type TrainingData } from './spec.ts';
import { nestMatrix, predictInfiniteWidth, trainingKernelBlocks, validateArchitecture, type PredictionResult, type TrainingArchitecture } from './theory.ts';

export const TRAIN_STATE_FORMAT = 'nnft-train-state/1';

export interface TrainEnsembleSpec extends TrainingArchitecture, TrainingData {
  lr: number;
  /** record the test predictions after these numbers of gradient-descent steps (finite, ≥ 0) */
  steps: number[];
  /** networks to train (with antithetic pairs: an even number, nets/2 pairs) */
  nets: number;
  seed?: number;
  /** 'ntk': all layers trained (default); 'last-layer': only the output layer */
  kernel?: 'ntk' | 'last-layer';
  /** antithetic pairs (default true; not allowed with a mean shift) */
  antithetic?: boolean;
  /** output weights of the first `rows` outputs with mean `mu` (Maiti, Stoner, Halverson eq. 14) */
  meanShift?: { mu: number; rows: number };
  /** also compute the infinite-width prediction for the same steps (default true) */
  theory?: boolean;
  /**
   * record the empirical NTK Θ̂(X,X) on the training inputs at initialisation and at the recorded steps, and
   * project its mean on the eigenvectors of the frozen kernel (result field `ntk`; default false)
   */
  ntk?: boolean;
  groups?: number;
  blockSize?: number;
  shard?: { index: number; count: number };
  workers?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface TrainPlan extends NetworkPlan {
  antithetic: boolean;
  /** recorded step counts in the user's order, and their slots in the ascending record list */
  steps: number[];
  slotOf: number[];
  seed: number;
  /** stats per unit */
  S: number;
  offsets: { mean: number; moment: number; pair: number; loss: number; ntk: number };
}

/** Validate the spec and build the per-network plan (cheap; no kernels). */
export function buildTrainPlan(spec: TrainEnsembleSpec): TrainPlan {
  const data = validateData(spec);
  const lr = validateLr(spec.lr);
  const ns = validateArchitecture(spec, data);
  const steps = spec.steps;
  if (!Array.isArray(steps) || steps.length === 0) throw new NnftInputError('steps', 'expected a non-empty list of step counts', 'e.g. --steps 0,10,100');
  steps.forEach((s, i) => {
    if (s === Infinity) throw new NnftInputError(`steps[${i}]`, 'sampled networks are trained for finitely many steps', 'drop inf with --nets (the infinite-width prediction without --nets gives t = ∞)');
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) throw new NnftInputError(`steps[${i}]`, `expected an integer ≥ 0, got ${String(s)}`, 'gradient descent runs whole steps');
  });
  const kernel = spec.kernel ?? 'ntk';
  if (kernel !== 'ntk' && kernel !== 'last-layer') {
    throw new NnftInputError('kernel', `'${String(kernel)}' cannot be trained`, kernel === 'nngp'
      ? "nngp is the Bayesian posterior, not a training procedure; with λ_b = C_b and λ_W = C_W, 'last-layer' training has the same kernel"
      : "use 'ntk' (all layers) or 'last-layer'");
  }
  let meanShift: NetworkPlan['meanShift'] = null;
  if (spec.meanShift) {
    const { mu, rows } = spec.meanShift;
    if (typeof mu !== 'number' || !Number.isFinite(mu)) throw new NnftInputError('mean-shift', `μ_W must be a finite number, got ${String(mu)}`);
    if (!Number.isInteger(rows) || rows < 0 || rows > data.D) throw new NnftInputError('mean-shift', `k must be an integer in [0, ${data.D}], got ${String(rows)}`, 'k counts output rows of the last layer');
    meanShift = { mu, rows };
  }
  const ntk = spec.ntk ?? false;
  if (typeof ntk !== 'boolean') throw new NnftInputError('ntk', `expected true or false, got ${String(ntk)}`);
  if (ntk && meanShift !== null && meanShift.mu !== 0 && meanShift.rows > 0) {
    throw new NnftInputError('ntk', 'the frozen kernel the recorded NTK is compared with assumes a zero-mean initialisation', 'record the NTK without a mean shift');
  }
  const antithetic = spec.antithetic ?? meanShift === null;
  if (antithetic && meanShift !== null && meanShift.mu !== 0 && meanShift.rows > 0) {
    throw new NnftInputError('antithetic', 'pairs with a negated output layer are not draws of a mean-shifted distribution', 'switch antithetic pairs off with a mean shift');
  }
  const nets = spec.nets;
  if (typeof nets !== 'number' || !Number.isSafeInteger(nets) || nets < 1) throw new NnftInputError('nets', `expected an integer ≥ 1, got ${String(nets)}`, 'pass the number of networks to train');
  if (antithetic && nets % 2 !== 0) throw new NnftInputError('nets', `${nets} is odd, but networks are trained in antithetic pairs`, `pass an even number, e.g. ${nets + 1}`);
  const seed = spec.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new NnftInputError('seed', `expected a non-negative integer, got ${String(seed)}`);
  const record = [...new Set(steps)].sort((a, b) => a - b);
  const slotOf = steps.map((s) => record.indexOf(s));
  const { m, D } = data;
  const T = record.length;
  const mm = (m * (m + 1)) / 2;
  const NN = (data.N * (data.N + 1)) / 2;
  const offsets = { mean: 0, moment: T * m * D, pair: T * m * D + T * mm, loss: T * m * D + 2 * T * mm, ntk: T * m * D + 2 * T * mm + T };
  return {
    L: ns.L,
    n0: data.n0,
    widths: ns.widths,
    D,
    N: data.N,
    m,
    X: data.X,
    T: data.T,
    Y: data.Y,
    cb: ns.cb,
    cw: ns.cw,
    lb: ns.lambdaB,
    lw: ns.lambdaW,
    activation: ns.activation,
    lr,
    record,
    trainAll: kernel === 'ntk',
    meanShift,
    ntk,
    antithetic,
    steps: steps.slice(),
    slotOf,
    seed,
    S: offsets.ntk + (ntk ? (T + 1) * NN : 0),
    offsets,
  };
}

/** The unit count and block layout of a run (units = pairs or single networks). */
export function trainLayout(spec: TrainEnsembleSpec, plan: TrainPlan): RunLayout {
  const units = plan.antithetic ? spec.nets / 2 : spec.nets;
  return runLayout({ nets: units, seed: plan.seed, groups: spec.groups, blockSize: spec.blockSize, shard: spec.shard } as EnsembleSpec);
}

/** Statistics of unit u into out[0..S) (state: this thread's network buffers). */
function simulateUnit(plan: TrainPlan, net: NetworkState, u: number, out: Float64Array, pairBuf: Float64Array): void {
  const { m, D, record, offsets } = plan;
  const T = record.length;
  const md = m * D;
  const members = plan.antithetic ? 2 : 1;
  out.fill(0);
  for (let k = 0; k < members; k++) {
    net.init(plan.seed, u, k === 0 ? 1 : -1);
    net.train(plan.antithetic ? `pair ${u} (${k === 0 ? 'first' : 'negated output layer'})` : `network ${u}`);
    const f = net.out;
    const w = 1 / members;
    if (k === 0) pairBuf.set(f);
    else for (let q = 0; q < f.length; q++) pairBuf[q] = 0.5 * (pairBuf[q]! + f[q]!);
    for (let t = 0; t < T; t++) {
      let o = offsets.moment + t * ((m * (m + 1)) / 2);
      const base = t * md;
      for (let a = 0; a < m; a++) {
        for (let b = a; b < m; b++) {
          let s = 0;
          for (let i = 0; i < D; i++) s += f[base + a * D + i]! * f[base + b * D + i]!;
          out[o] = out[o]! + (w * s) / D;
          o++;
        }
      }
      out[offsets.loss + t] = out[offsets.loss + t]! + w * net.loss[t]!;
    }
    if (plan.ntk) {
      // upper triangles of Θ̂ at initialisation (slot 0) and at the recorded steps (slots 1..T)
      const N = plan.N;
      let o = offsets.ntk;
      for (let t = 0; t <= T; t++) {
        const src = t === 0 ? net.ntkInitial : net.ntk;
        const base = t === 0 ? 0 : (t - 1) * N * N;
        for (let a = 0; a < N; a++) {
          for (let b = a; b < N; b++) {
            out[o] = out[o]! + w * src[base + a * N + b]!;
            o++;
          }
        }
      }
    }
  }
  for (let q = 0; q < T * md; q++) out[offsets.mean + q] = pairBuf[q]!;
  for (let t = 0; t < T; t++) {
    let o = offsets.pair + t * ((m * (m + 1)) / 2);
    const base = t * md;
    for (let a = 0; a < m; a++) {
      for (let b = a; b < m; b++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += pairBuf[base + a * D + i]! * pairBuf[base + b * D + i]!;
        out[o++] = s / D;
      }
    }
  }
}

/** Run blocks [b0, b1) of units on this thread; exact group sums. */
export function runTrainBlocks(plan: TrainPlan, lay: RunLayout, b0: number, b1: number, progress?: (units: number) => void): GroupState {
  const state = newGroupState(lay.groups, plan.S);
  const net = new NetworkState(plan);
  const one = new Float64Array(plan.S);
  const sums = new Float64Array(plan.S);
  const pairBuf = new Float64Array(plan.record.length * plan.m * plan.D);
  for (let b = b0; b < b1; b++) {
    const start = b * lay.blockSize;
    const end = Math.min(lay.nets, start + lay.blockSize);
    sums.fill(0);
    for (let u = start; u < end; u++) {
      simulateUnit(plan, net, u, one, pairBuf);
      for (let s = 0; s < plan.S; s++) sums[s] = sums[s]! + one[s]!;
    }
    addBlock(state, b % lay.groups, sums, end - start);
    progress?.(end - start);
  }
  return state;
}

export interface TrainWorkerJob {
  spec: TrainEnsembleSpec;
  b0: number;
  b1: number;
}

/** What a worker posts: progress (units done), its final state, or an error with its class and fields. */
export interface WorkerMessage {
  progress?: number;
  state?: GroupState;
  error?: string;
  errorName?: string;
  errorFields?: string[];
}

const workerEntry = (() => {
  try {
    createRequire(import.meta.url).resolve('tsx');
    return new URL('./worker-boot.mjs', import.meta.url);
  } catch {
    return null;
  }
})();

/** The spec without callbacks and run-local fields (what a worker or a state file needs). */
export function serialisableTrainSpec(spec: TrainEnsembleSpec): TrainEnsembleSpec {
  const { onProgress: _p, workers: _w, shard: _s, ...rest } = spec;
  return JSON.parse(JSON.stringify(rest)) as TrainEnsembleSpec;
}

/** Used by the worker thread. */
export function trainWorkerRun(job: TrainWorkerJob, progress: (k: number) => void): GroupState {
  const plan = buildTrainPlan(job.spec);
  const lay = trainLayout(job.spec, plan);
  return runTrainBlocks(plan, lay, job.b0, job.b1, progress);
}

/** Measured ≈ 2 GFLOP/s per core for these kernels (CPU time); the budget check assumes 1 (shared machines). */
const ASSUMED_FLOPS_PER_SECOND = 1e9;

/**
 * Fixed cost of one gradient-descent step of one network beyond its floating-point work (loops, small matrix
 * products): measured ≈ 75 µs per step for a readout of width 512 on 3 training points on a loaded 2-core
 * machine, of which ≈ 20 µs are flops at 1 GFLOP/s; the budget check assumes 20 µs.
 */
const SECONDS_PER_STEP = 2e-5;

/** Floating-point work of this run's units (training and test predictions). */
export function trainFlops(plan: TrainPlan, units: number): number {
  const last = plan.record[plan.record.length - 1]!;
  let testPass = 0;
  for (let l = 0; l < plan.L; l++) testPass += 2 * plan.m * plan.widths[l]! * (l === 0 ? plan.n0 : plan.widths[l - 1]!);
  let ntkPass = 0;
  if (plan.ntk) {
    const N = plan.N;
    for (let l = plan.trainAll ? 0 : plan.L - 1; l < plan.L; l++) {
      const n = plan.widths[l]!;
      const nPrev = l === 0 ? plan.n0 : plan.widths[l - 1]!;
      ntkPass += plan.D * 2 * N * N * n + 2 * N * N * nPrev + (l < plan.L - 1 ? plan.D * 2 * N * n * plan.widths[l + 1]! : 0);
    }
    ntkPass *= plan.record.length + 1;
  }
  const perNet = flopsPerStep(plan) * last + testPass * plan.record.length + ntkPass;
  return perNet * units * (plan.antithetic ? 2 : 1);
}

function checkResources(plan: TrainPlan, lay: RunLayout, workers: number): void {
  let params = 0;
  let acts = 0;
  for (let l = 0; l < plan.L; l++) {
    params += plan.widths[l]! * ((l === 0 ? plan.n0 : plan.widths[l - 1]!) + 1);
    acts += ((plan.ntk ? 5 : 4) * plan.N + 2 * plan.m) * plan.widths[l]!;
  }
  if (plan.ntk) acts += (plan.L + plan.record.length + 2) * plan.N * plan.N;
  // per thread: parameters + activations; per group state: ≈ 80 bytes per statistic (partials arrays)
  const perThread = 8 * (params + acts) + 80 * lay.groups * plan.S;
  // threads that actually run: no more than the blocks of this shard (resolveWorkers caps them at the cores)
  const threads = Math.max(1, Math.min(workers, lay.b1 - lay.b0));
  const bytes = threads > 1 ? threads * (perThread + WORKER_BYTES) + 80 * lay.groups * plan.S : perThread + 80 * lay.groups * plan.S;
  const budget = memoryBudget();
  requireMemory(
    `training ${threads} network${threads > 1 ? 's' : ''} at a time with ${plan.S} statistics per unit`,
    bytes,
    bytes > budget && 80 * lay.groups * plan.S > budget / 4
      ? `fewer test inputs or recorded steps (the statistics grow as steps × test², and with the recorded NTK as steps × train²), or fewer --groups; or raise NNFT_MAX_MEMORY (${formatBytes(budget)})`
      : 'use narrower layers or fewer workers; or raise NNFT_MAX_MEMORY',
  );
  const units = netsIn(lay, lay.b0, lay.b1);
  const netSteps = units * (plan.antithetic ? 2 : 1) * (plan.record[plan.record.length - 1]! + plan.record.length);
  const seconds = (trainFlops(plan, units) / ASSUMED_FLOPS_PER_SECOND + netSteps * SECONDS_PER_STEP) / threads;
  requireTime(`training ${units * (plan.antithetic ? 2 : 1)} networks for ${plan.record[plan.record.length - 1]} steps`, seconds, 'use fewer networks, narrower layers or fewer steps (or shard the run with --shard k/N); or set NNFT_MAX_SECONDS higher');
}

function resolveWorkers(spec: TrainEnsembleSpec, plan: TrainPlan, lay: RunLayout): number {
  if (spec.workers !== undefined) {
    if (!Number.isInteger(spec.workers) || spec.workers < 1) throw new NnftInputError('workers', `expected an integer ≥ 1, got ${String(spec.workers)}`);
    return Math.min(spec.workers, availableCores()); // more threads than cores only add start-up time and memory
  }
  // a worker starts in ≈ 2–4 s (tsx and the activation registry): only worth it above ≈ 10 s of work
  const seconds = trainFlops(plan, netsIn(lay, lay.b0, lay.b1)) / 2e9;
  return seconds > 10 ? availableCores() : 1;
}

async function runAllTrain(spec: TrainEnsembleSpec, plan: TrainPlan, lay: RunLayout, workers: number): Promise<GroupState> {
  const total = netsIn(lay, lay.b0, lay.b1);
  let done = 0;
  const tick = (k: number): void => {
    done += k;
    spec.onProgress?.(done, total);
  };
  const nb = lay.b1 - lay.b0;
  workers = Math.max(1, Math.min(workers, nb));
  if (workers === 1 || workerEntry === null) return runTrainBlocks(plan, lay, lay.b0, lay.b1, tick);
  const sspec = serialisableTrainSpec(spec);
  const jobs: Promise<GroupState>[] = [];
  for (let w = 0; w < workers; w++) {
    const b0 = lay.b0 + Math.floor((w * nb) / workers);
    const b1 = lay.b0 + Math.floor(((w + 1) * nb) / workers);
    const job: TrainWorkerJob = { spec: { ...sspec, seed: lay.seed, groups: lay.groups, blockSize: lay.blockSize }, b0, b1 };
    jobs.push(
      new Promise<GroupState>((resolve, reject) => {
        const worker = new Worker(workerEntry, { workerData: job });
        worker.on('message', (msg: WorkerMessage) => {
          if (msg.progress !== undefined) tick(msg.progress);
          if (msg.state) resolve(msg.state);
          if (msg.error !== undefined) reject(rebuildError(msg));
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`training worker exited with code ${code}`));
        });
      }),
    );
  }
  const states = await Promise.all(jobs);
  const state = newGroupState(lay.groups, plan.S);
  for (const s of states) mergeGroupState(state, s);
  return state;
}

/** Errors from a worker keep their class (a diverging network is a user-facing NnftNumericalError). */
function rebuildError(msg: WorkerMessage): Error {
  if (msg.errorName === 'NnftNumericalError' && msg.errorFields) {
    const [what, reason, fix] = msg.errorFields;
    return new NnftNumericalError(what ?? '', reason ?? '', fix ?? '');
  }
  if (msg.errorName === 'NnftInputError') {
    const e = new NnftInputError(msg.errorFields?.[0] ?? 'training', '');
    e.message = msg.error ?? '';
    return e;
  }
  return new Error(msg.error);
}

/** A shard (or whole-run) state: exact group sums plus everything needed to finish or merge it. */
export interface TrainState {
  format: typeof TRAIN_STATE_FORMAT;
  spec: TrainEnsembleSpec;
  /** units (pairs or networks) of the whole run */
  units: number;
  nets: number;
  seed: number;
  groups: number;
  blockSize: number;
  stats: number;
  blocks: [number, number][];
  shards: { index: number; count: number }[];
  counts: number[];
  partials: number[][][];
  seconds: number;
  workers: number;
}

/** Train (a shard of) the ensemble and return its exact state. */
export async function trainEnsembleState(spec: TrainEnsembleSpec): Promise<TrainState> {
  const plan = buildTrainPlan(spec);
  const lay = trainLayout(spec, plan);
  const workers = resolveWorkers(spec, plan, lay);
  checkResources(plan, lay, workers);
  const t0 = performance.now();
  const g = await runAllTrain(spec, plan, lay, workers);
  return {
    format: TRAIN_STATE_FORMAT,
    spec: serialisableTrainSpec(spec),
    units: lay.nets,
    nets: spec.nets,
    seed: lay.seed,
    groups: lay.groups,
    blockSize: lay.blockSize,
    stats: g.stats,
    blocks: [[lay.b0, lay.b1]],
    shards: lay.shard ? [lay.shard] : [],
    counts: g.counts,
    partials: g.partials,
    seconds: (performance.now() - t0) / 1000,
    workers,
  };
}

function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

/** Merge shard states exactly (any order); refuses states of different runs or overlapping shards. */
export function mergeTrainStates(states: TrainState[]): TrainState {
  if (!Array.isArray(states) || states.length === 0) throw new NnftInputError('merge', 'nothing to merge', 'pass shard files written by `nnft train --nets N --shard k/K --out FILE`');
  const first = states[0]!;
  states.forEach((s, i) => {
    if (!s || s.format !== TRAIN_STATE_FORMAT) throw new NnftInputError(`merge[${i}]`, `not an nnft training state (format ${String(s?.format)})`, 'pass files written by `nnft train --out`');
    for (const key of ['units', 'nets', 'seed', 'groups', 'blockSize', 'stats'] as const) {
      if (s[key] !== first[key]) throw new NnftInputError(`merge[${i}]`, `${key} = ${String(s[key])} differs from the first file's ${String(first[key])}`, 'merge only shards of one run');
    }
    if (canonical(s.spec) !== canonical(first.spec)) throw new NnftInputError(`merge[${i}]`, 'its architecture, data or schedule differs from the first file', 'merge only shards of one run');
  });
  const ranges = states.flatMap((s) => s.blocks).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) throw new NnftInputError('merge', `shards overlap (blocks ${ranges[i - 1]![0]}–${ranges[i - 1]![1]} and ${ranges[i]![0]}–${ranges[i]![1]})`, 'each shard must be merged once');
  }
  const g = newGroupState(first.groups, first.stats);
  for (const s of states) mergeGroupState(g, { groups: s.groups, stats: s.stats, counts: s.counts, partials: s.partials });
  const blocks = coalesceBlocks(ranges);
  return {
    ...first,
    blocks,
    shards: states.flatMap((s) => s.shards).sort((a, b) => a.index - b.index),
    counts: g.counts,
    partials: g.partials,
    seconds: states.reduce((a, s) => a + s.seconds, 0),
    workers: Math.max(...states.map((s) => s.workers)),
  };
}

export interface Estimate<T> {
  mean: T;
  stderr: T;
}

/** The mean empirical NTK along one eigenvector v of the frozen kernel H(X,X), relative to its eigenvalue λ. */
export interface NtkProjection {
  /** λ, the frozen eigenvalue */
  eigenvalue: number;
  /** vᵀ E[Θ̂₀] v / λ − 1 at initialisation (the O(1/n) mean shift) */
  initialShift: Estimate<number>;
  /** per recorded step: vᵀ E[Θ̂_s] v / λ − 1 */
  shift: Estimate<number[]>;
  /** per recorded step: vᵀ E[Θ̂_s − Θ̂₀] v / λ, the drift during training */
  drift: Estimate<number[]>;
}

/** The recorded empirical NTK on the training inputs (option `ntk`). */
export interface TrainNtkResult {
  /** the frozen (infinite-width) dynamics kernel H(X,X): Θ for 'ntk', the readout's for 'last-layer' */
  frozen: number[][];
  /** E[Θ̂(X,X)] at initialisation, [train][train] */
  initial: Estimate<number[][]>;
  /** E[Θ̂(X,X)] after each recorded step, [step][train][train] */
  mean: Estimate<number[][][]>;
  /** along the eigenvector of the smallest eigenvalue (absent when H(X,X) is singular to rounding) */
  min?: NtkProjection;
  /** along the eigenvector of the largest eigenvalue */
  max: NtkProjection;
}

export interface TrainEnsembleResult {
  dynamics: 'gradient-descent';
  steps: number[];
  /** [step][test][output] */
  mean: Estimate<number[][][]>;
  /** [step][test][test], averaged over outputs */
  covariance: Estimate<number[][][]>;
  /** ½ Σ_α ‖f(x_α) − y_α‖² on the training set, per step */
  trainLoss: Estimate<number[]>;
  /** with option `ntk`: the mean empirical NTK on the training inputs and its frozen-kernel projections */
  ntk?: TrainNtkResult;
  /** the frozen-NTK (or last-layer) prediction for the same steps and η */
  infiniteWidth?: Pick<PredictionResult, 'mean' | 'covariance' | 'meta'>;
  meta: {
    nets: number;
    /** antithetic pairs (absent for independent networks) */
    pairs?: number;
    seed: number;
    kernel: 'ntk' | 'last-layer';
    lr: number;
    groups: number;
    blockSize: number;
    workers: number;
    seconds: number;
    netStepsPerSecond: number;
    shards?: { index: number; count: number }[];
    notes: string[];
  };
}

/** Turn an exact state (one run or merged shards) into means, covariances and jackknife standard errors. */
export function finishTrainState(state: TrainState): TrainEnsembleResult {
  const spec = state.spec;
  const plan = buildTrainPlan(spec);
  const { m, D, record, offsets } = plan;
  const T = record.length;
  const mm = (m * (m + 1)) / 2;
  const P = state.counts.reduce((a, b) => a + b, 0);
  const N = plan.N;
  const NN = N * N;
  const frozen = plan.ntk ? frozenTrainingKernel(spec, plan) : null;
  const baseSize = T * m * D + T * m * m + T;
  // NTK part: (T + 1) full N × N means (initial first), then per direction (min, max): initial shift, T shifts, T drifts
  const dirs = frozen ? frozen.directions : [];
  const outSize = baseSize + (frozen ? (T + 1) * NN + dirs.length * (1 + 2 * T) : 0);
  const f = (mean: Float64Array): Float64Array => {
    const out = new Float64Array(outSize);
    if (frozen) {
      let o = offsets.ntk;
      for (let t = 0; t <= T; t++) {
        const base = baseSize + t * NN;
        for (let a = 0; a < N; a++) {
          for (let b = a; b < N; b++) {
            const v = mean[o++]!;
            out[base + a * N + b] = v;
            out[base + b * N + a] = v;
          }
        }
      }
      let q = baseSize + (T + 1) * NN;
      for (const { v, lambda } of dirs) {
        const quad = (t: number): number => {
          let acc = 0;
          for (let a = 0; a < N; a++) {
            let row = 0;
            for (let b = 0; b < N; b++) row += out[baseSize + t * NN + a * N + b]! * v[b]!;
            acc += v[a]! * row;
          }
          return acc;
        };
        const q0 = quad(0);
        out[q++] = q0 / lambda - 1;
        for (let t = 1; t <= T; t++) out[q++] = quad(t) / lambda - 1;
        for (let t = 1; t <= T; t++) out[q++] = (quad(t) - q0) / lambda;
      }
    }
    for (let q = 0; q < T * m * D; q++) out[q] = mean[offsets.mean + q]!;
    for (let t = 0; t < T; t++) {
      let o = 0;
      for (let a = 0; a < m; a++) {
        for (let b = a; b < m; b++) {
          let mu2 = 0;
          for (let i = 0; i < D; i++) mu2 += mean[offsets.mean + (t * m + a) * D + i]! * mean[offsets.mean + (t * m + b) * D + i]!;
          mu2 /= D;
          const mom = mean[offsets.moment + t * mm + o]!;
          const pair = mean[offsets.pair + t * mm + o]!;
          const v = mom - mu2 + (P > 1 ? (pair - mu2) / (P - 1) : 0);
          out[T * m * D + t * m * m + a * m + b] = v;
          out[T * m * D + t * m * m + b * m + a] = v;
          o++;
        }
      }
      out[T * m * D + T * m * m + t] = mean[offsets.loss + t]!;
    }
    return out;
  };
  const g: GroupState = { groups: state.groups, stats: state.stats, counts: state.counts, partials: state.partials };
  const jk = jackknife(g, f);
  const finite = (x: Float64Array): boolean => x.every((v) => Number.isFinite(v));
  const stderr = P >= 2 && finite(jk.stderr) ? jk.stderr : new Float64Array(jk.stderr.length);
  const bySlot = <U>(make: (slot: number) => U): U[] => plan.slotOf.map(make);
  const meanOf = (arr: Float64Array) => bySlot((s) => nestMatrix(arr, m, D, s * m * D));
  const covOf = (arr: Float64Array) => bySlot((s) => nestMatrix(arr, m, m, T * m * D + s * m * m));
  const lossOf = (arr: Float64Array) => bySlot((s) => arr[T * m * D + T * m * m + s]!);
  const notes: string[] = [];
  let ntk: TrainNtkResult | undefined;
  if (frozen) {
    const matOf = (arr: Float64Array, t: number): number[][] => nestMatrix(arr, N, N, baseSize + t * NN);
    const projection = (k: number): NtkProjection => {
      const o = baseSize + (T + 1) * NN + k * (1 + 2 * T);
      const vals = (arr: Float64Array, from: number): number[] => plan.slotOf.map((s) => arr[from + s]!);
      return {
        eigenvalue: dirs[k]!.lambda,
        initialShift: { mean: jk.value[o]!, stderr: stderr[o]! },
        shift: { mean: vals(jk.value, o + 1), stderr: vals(stderr, o + 1) },
        drift: { mean: vals(jk.value, o + 1 + T), stderr: vals(stderr, o + 1 + T) },
      };
    };
    ntk = {
      frozen: nestMatrix(frozen.H, N, N),
      initial: { mean: matOf(jk.value, 0), stderr: matOf(stderr, 0) },
      mean: { mean: plan.slotOf.map((s) => matOf(jk.value, s + 1)), stderr: plan.slotOf.map((s) => matOf(stderr, s + 1)) },
      ...(frozen.singular ? {} : { min: projection(0) }),
      max: projection(dirs.length - 1),
    };
    notes.push(...frozen.notes);
    if (D > 1) notes.push('ntk: Θ̂ averaged over the output index (the frozen kernel is diagonal in it)');
  }
  if (plan.antithetic) notes.push('antithetic pairs: each initialisation and its copy with the output layer negated (f₀ → −f₀); standard errors by grouped jackknife over pairs');
  if (plan.meanShift) notes.push(`mean-shifted output weights: μ_W = ${plan.meanShift.mu} on the first ${plan.meanShift.rows} output rows`);
  if (D > 1) notes.push('covariance averaged over the outputs (equal at infinite width)');
  if (P < 2) notes.push('fewer than two sampling units: no standard errors');
  if (P !== state.units) notes.push(`partial result: ${P} of ${state.units} ${plan.antithetic ? 'pairs' : 'networks'}`);
  const nets = P * (plan.antithetic ? 2 : 1);
  const last = record[record.length - 1]!;
  return {
    dynamics: 'gradient-descent',
    steps: plan.steps,
    mean: { mean: meanOf(jk.value), stderr: meanOf(stderr) },
    covariance: { mean: covOf(jk.value), stderr: covOf(stderr) },
    trainLoss: { mean: lossOf(jk.value), stderr: lossOf(stderr) },
    ...(ntk ? { ntk } : {}),
    meta: {
      nets,
      ...(plan.antithetic ? { pairs: P } : {}),
      seed: state.seed,
      kernel: plan.trainAll ? 'ntk' : 'last-layer',
      lr: plan.lr,
      groups: state.groups,
      blockSize: state.blockSize,
      workers: state.workers,
      seconds: state.seconds,
      netStepsPerSecond: state.seconds > 0 ? (nets * last) / state.seconds : 0,
      shards: state.shards.length ? state.shards : undefined,
      notes,
    },
  };
}

/**
 * The frozen dynamics kernel H(X,X) on the training inputs (Θ when every layer is trained, the readout's kernel
 * otherwise) and the eigenvectors of its smallest and largest eigenvalues. A smallest eigenvalue at rounding level
 * (duplicate training inputs) has no meaningful relative projection: it is left out, with a note.
 */
function frozenTrainingKernel(spec: TrainEnsembleSpec, plan: TrainPlan): { H: Float64Array; directions: { v: Float64Array; lambda: number }[]; singular: boolean; notes: string[] } {
  const data = validateData({ ...spec, testInputs: spec.trainInputs.slice(0, 1) });
  const H = trainingKernelBlocks(spec, data, plan.trainAll ? 'ntk' : 'last-layer').HXX;
  const N = plan.N;
  const eig = symmetricEigenDense(H, N);
  const lmin = eig.values[0]!;
  const lmax = eig.values[N - 1]!;
  const notes: string[] = [];
  const singular = !(lmin > 100 * N * Number.EPSILON * lmax);
  const dir = (k: number) => ({ v: eig.vectors.slice(k * N, (k + 1) * N), lambda: eig.values[k]! });
  const directions = singular ? [dir(N - 1)] : [dir(0), dir(N - 1)];
  if (singular) notes.push(`ntk: the frozen H(X,X) is singular to rounding (λ_min = ${lmin.toExponential(2)}, λ_max = ${lmax.toExponential(2)}): no projection on its smallest eigenvector`);
  const gap = (a: number, b: number): boolean => Math.abs(eig.values[a]! - eig.values[b]!) <= 1e-8 * lmax;
  if (!singular && N > 1 && gap(0, 1)) notes.push('ntk: the smallest eigenvalue of H(X,X) is degenerate; the projection uses one vector of its eigenspace');
  if (N > 1 && gap(N - 1, N - 2)) notes.push('ntk: the largest eigenvalue of H(X,X) is degenerate; the projection uses one vector of its eigenspace');
  return { H, directions, singular, notes };
}

/** The infinite-width prediction for a training spec (same steps, η, kernel); also the η stability check. */
export function infiniteWidthFor(spec: TrainEnsembleSpec): PredictionResult {
  return predictInfiniteWidth({ ...spec, schedule: { kind: 'gd', steps: spec.steps }, kernel: spec.kernel ?? 'ntk' });
}

/**
 * Train an ensemble and report mean, covariance and training loss with standard errors, next to the
 * infinite-width prediction (unless `theory: false` or a mean shift, for which the frozen-kernel formulas with
 * zero prior mean do not apply). The learning rate is checked against 2/λ_max(Θ(X,X)) before training.
 */
export async function trainEnsemble(spec: TrainEnsembleSpec): Promise<TrainEnsembleResult> {
  const plan = buildTrainPlan(spec);
  let theory: PredictionResult | undefined;
  const shifted = plan.meanShift !== null && plan.meanShift.mu !== 0 && plan.meanShift.rows > 0;
  if (spec.theory !== false && !shifted) theory = infiniteWidthFor(spec);
  else {
    // the η check needs only the training-set kernel
    predictInfiniteWidth({ ...spec, testInputs: spec.trainInputs.slice(0, 1), schedule: { kind: 'gd', steps: [1] }, kernel: spec.kernel ?? 'ntk' });
  }
  const state = await trainEnsembleState(spec);
  const res = finishTrainState(state);
  if (theory) res.infiniteWidth = { mean: theory.mean, covariance: theory.covariance, meta: theory.meta };
  else if (shifted) res.meta.notes.push('no infinite-width prediction: the frozen-kernel formulas here assume a zero-mean initialisation');
  return res;
}
