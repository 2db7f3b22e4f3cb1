/**
 * Memory and time of a Monte Carlo run, estimated from the plan before anything large is allocated, and the
 * refusals (NnftResourceError, src/resources.ts budgets) that state the estimate and the largest size that fits.
 *
 * Memory = (per thread) the sampler's reusable buffers (`samplerBufferBytes`, the same arrays makeBuffers
 * allocates: z, σ, σ′ and biases per layer; weights on the full path; the empirical NTK m²n² and its
 * previous-layer factor T = m² n_{ℓ−1}² per layer; the product scratch) + the exact group sums (G groups × S
 * statistics, see STAT_BYTES) — and, with worker threads, each worker's own copy plus the start-up of a
 * JavaScript thread (WORKER_BYTES).
 * Time = (networks × networkCost(plan) ns (run.ts; ≈ 1 ns per unit of work on one core) + blocks × statistics ×
 * ACCUMULATE_NS) / workers, plus groups × statistics × FINISH_NS for the finishing step.
 */
import { getHeapStatistics } from 'node:v8';
import { NnftResourceError } from '../errors.ts';
import { requireMemory, requireTime, formatBytes, memoryBudget, timeBudget, availableCores } from '../resources.ts';
import { networkCost } from './run.ts';
import type { Plan } from './plan.ts';

/**
 * Bytes per statistic and jackknife group of the exact group sums: the flat store while sampling
 * (FlatGroupSums, 25 bytes), the state's lists of partials built from it (≈ 66 bytes) and the group sums of the
 * finishing step (8 bytes each, twice): measured 91 bytes of heap per cell for 64 groups × 59 000 statistics
 * (Node 20), doubled for the collector's headroom and the lists merged from worker threads.
 */
export const STAT_BYTES = 200;
/**
 * Nanoseconds to add one statistic's block sum to its group (FlatGroupSums.addBlock): measured 24 ns (64 groups ×
 * 59 000 statistics × 257 blocks, one core of a shared two-core machine).
 */
export const ACCUMULATE_NS = 25;
/**
 * Nanoseconds of finishing per statistic and jackknife group: the state's lists of partials, their validation,
 * the group sums and totals and the leave-one-group-out means (accum.ts jackknife), not the function of the
 * means: measured 4.5 s for 64 groups × 59 000 statistics (1.2 µs per cell, shared two-core machine).
 */
export const FINISH_NS = 1200;
/** A worker thread: its JavaScript isolate, tsx and the activation registry (measured ≈ 62 MB; rounded up). */
export const WORKER_BYTES = 100e6;

/** Bytes of the buffers makeBuffers(plan) allocates, with the layer widths replaced by `widths` if given. */
export function samplerBufferBytes(p: Plan, widths: readonly number[] = p.widths): number {
  const { m, L, n0 } = p;
  const nPrev = (l: number) => (l === 0 ? n0 : widths[l - 1]!);
  let doubles = 0;
  let ints = 0;
  let maxX = 1, maxT = 1, maxPrev = 1, maxTmp = 1;
  for (let l = 0; l < L; l++) {
    const n = widths[l]!;
    const np = nPrev(l);
    doubles += 3 * n * m + n; // z, σ(z), σ′(z), b
    const full = !p.conditionalLayer[l] && p.sampleZ[l];
    if (full || (p.ntkStatistics && l > 0 && p.sampleNtk[l])) doubles += n * np; // W
    if (p.sampleNtk[l] && l > 0) doubles += m * m * n * n; // Θ̂ per input pair
    if (p.ntkStatistics && l > 0) doubles += l === 1 ? m * m * np : m * m * np * np; // T
    maxX = Math.max(maxX, n * np);
    if (l >= 2) maxT = Math.max(maxT, np * np);
    maxPrev = Math.max(maxPrev, np);
    maxTmp = Math.max(maxTmp, n * m, np * m, np);
  }
  doubles += n0 * m; // inputs
  doubles += p.ntkStatistics ? 3 * maxX + maxT : 4; // X, Wa, Wb, Tc
  ints += 2 * maxPrev; // idxA, idxB
  doubles += 5 * m * m + Math.max(...widths) * m + 2 + maxTmp; // thetaDiag0, G, H, h, chol, xi, tmp
  doubles += p.npoint ? p.npoint.monomials.length + p.npoint.labels.length : 1; // phi
  return 8 * doubles + 4 * ints;
}

/** Bytes of the exact group sums of S statistics over G groups (accumulator and the copies made when finishing). */
export function statisticsBytes(S: number, groups: number): number {
  return S * groups * STAT_BYTES + S * (groups + 8) * 8;
}

/**
 * The share of the JavaScript heap limit (v8 heap_size_limit, set by node --max-old-space-size) that the
 * group sums may fill: they live on the garbage-collected heap as small arrays, and a heap filled beyond about
 * half of its limit spends its time in the collector (measured: 4.1 GB of sums under a 4.3 GB limit advanced
 * 39 networks in two minutes).
 */
export function heapBudget(): number {
  return 0.5 * getHeapStatistics().heap_size_limit;
}

/** Number of statistics of plan p with m′ inputs instead of p.m (each block has m′² or m′⁴ entries). */
function statisticsWith(p: Plan, m2: number): number {
  let S = 0;
  for (const lay of p.offsets) {
    for (const [key, o] of Object.entries(lay)) {
      if (o < 0) continue;
      S += ['condKernel', 'zz', 'condNtk', 'ntkDiag'].includes(key) ? m2 ** 2 : m2 ** 4;
    }
  }
  return S + (p.npoint ? p.npoint.monomials.length : 0);
}

/** Total memory of a run with `workers` threads. */
export function runBytes(p: Plan, groups: number, workers: number, widths: readonly number[] = p.widths): number {
  const perThread = samplerBufferBytes(p, widths) + statisticsBytes(p.statisticsSize, groups);
  return workers > 1 ? workers * (perThread + WORKER_BYTES) + statisticsBytes(p.statisticsSize, groups) : perThread;
}

/** Workers capped at the cores; `note` receives a line when the request was capped. */
export function capWorkers(requested: number, note: (line: string) => void): number {
  const cores = availableCores();
  if (requested <= cores) return requested;
  note(`--workers ${requested} capped at the ${cores} available core${cores === 1 ? '' : 's'} (more threads cannot run at once and each costs memory)`);
  return cores;
}

/** Seconds to sample `nets` networks in `blocks` blocks and add the block sums to the groups, on `workers` threads. */
export function samplingSeconds(p: Plan, nets: number, blocks: number, workers: number): number {
  return (networkCost(p) * nets + ACCUMULATE_NS * p.statisticsSize * blocks) * 1e-9 / Math.max(1, Math.min(workers, availableCores()));
}

/** Seconds to finish S statistics over `groups` jackknife groups (one thread), before the function of the means. */
export function finishSeconds(S: number, groups: number): number {
  return FINISH_NS * S * groups * 1e-9;
}

/**
 * Refuse a run whose memory or time exceeds the budgets (NNFT_MAX_MEMORY, NNFT_MAX_SECONDS), before allocating:
 * the message states the estimate and the largest width (memory) or number of networks (time) that fits.
 */
export function requireRunBudget(p: Plan, groups: number, workers: number, nets: number, blocks: number): void {
  const statBytes = statisticsBytes(p.statisticsSize, groups);
  if (!(statBytes <= heapBudget())) {
    let m2 = p.m;
    while (m2 > 1 && statisticsBytes(statisticsWith(p, m2), groups) > heapBudget()) m2--;
    const fits = statisticsBytes(statisticsWith(p, m2), groups) <= heapBudget();
    throw new NnftResourceError(
      `accumulating the ${p.statisticsSize} statistics per network (${p.m} inputs) over ${groups} jackknife groups`,
      `~${formatBytes(statBytes)} of JavaScript heap`,
      `${formatBytes(heapBudget())} (half the heap limit; node --max-old-space-size raises it)`,
      fits ? `at most ${m2} inputs fit with these quantities; or ask for fewer quantities (the rank-4 ones grow as m⁴)` : 'ask for fewer quantities or fewer n-point functions',
    );
  }
  const bytes = runBytes(p, groups, workers);
  if (!(bytes <= memoryBudget())) {
    const maxWidth = Math.max(...p.widths);
    const capped = (w: number) => p.widths.map((n) => Math.min(n, w));
    let fix: string;
    if (runBytes(p, groups, workers, capped(1)) > memoryBudget()) {
      fix = `even width 1 does not fit: the ${p.statisticsSize} statistics per network (${p.m} inputs) take ${formatBytes(statisticsBytes(p.statisticsSize, groups))}; use fewer inputs or quantities${workers > 1 ? ', or fewer --workers' : ''}`;
    } else {
      let lo = 1, hi = maxWidth; // largest w with runBytes(capped(w)) ≤ budget
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (runBytes(p, groups, workers, capped(mid)) <= memoryBudget()) lo = mid;
        else hi = mid;
      }
      fix = `widths up to ${lo} fit${workers > 1 ? ` with ${workers} workers (fewer --workers need less)` : ''}; or raise NNFT_MAX_MEMORY`;
    }
    requireMemory(`sampling networks of widths ${p.widths.join(',')} with ${p.m} input${p.m === 1 ? '' : 's'}${workers > 1 ? ` on ${workers} workers` : ''}`, bytes, fix);
  }
  const threads = Math.max(1, Math.min(workers, availableCores()));
  const finish = finishSeconds(p.statisticsSize, groups);
  const seconds = samplingSeconds(p, nets, blocks, workers) + finish;
  const budget = timeBudget();
  if (!(seconds <= budget)) {
    // per network: its sampling and its share of the block additions (fewer networks: at most as many blocks)
    const perNet = (networkCost(p) + (ACCUMULATE_NS * p.statisticsSize * blocks) / Math.max(1, nets)) * 1e-9;
    const fit = Math.floor(((budget - finish) * threads) / perNet);
    requireTime(
      `sampling ${nets} networks (≈ ${(perNet * 1e3).toPrecision(2)} ms each on one core) and finishing their ${p.statisticsSize} statistics over ${groups} jackknife groups (≈ ${finish.toPrecision(2)} s)`,
      seconds,
      fit >= 1 ? `at most ${fit} networks fit; or raise NNFT_MAX_SECONDS` : finish >= budget ? 'the finishing step alone exceeds the budget: ask for fewer statistics (quantities, inputs, n-point orders) or fewer --groups, or raise NNFT_MAX_SECONDS' : 'one network alone exceeds the budget: use smaller widths, or raise NNFT_MAX_SECONDS',
    );
  }
}
