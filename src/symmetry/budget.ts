/**
 * Memory and time of a paired symmetry comparison (engine.ts `runPaired`), checked against the budgets of
 * src/resources.ts (NNFT_MAX_MEMORY, NNFT_MAX_SECONDS) before the long work starts.
 *
 * Memory is known from the plan: per order with K entries, E experiments and B transformations the
 * accumulators hold K·E·(2 + 4B) doubles, the multiset index table K·n 32-bit integers (built through a
 * temporary JavaScript array of K·n numbers).
 *
 * Time is measured, not modelled: a network's cost depends on the sampler (T-layer, quartic rejection
 * sampling, a group-convolutional network), on the activation (a compiled expression such as sin(1/z) costs
 * several times relu) and on the machine's load, so `PilotClock` times the first networks of the run itself
 * and extrapolates. It discards the first half of the pilot (compilation by the JavaScript engine makes the
 * first networks up to ten times slower: measured 0.09 s for each of the first two networks of a T-layer of
 * width 256, 0.013 s each later) and refuses when the networks, plus the statistics at the end
 * (`statisticsUnits`, ≈ STATISTICS_NS_PER_UNIT each), would exceed the time budget. The pilot costs about
 * PILOT_SECONDS, at most PILOT_MAX_SECONDS (or one network, if a single network takes longer).
 */
import { NnftResourceError } from '../errors.ts';
import { formatSeconds, memoryBudget, requireMemory, timeBudget } from '../resources.ts';

/** Seconds of the pilot: its first half is warm-up; the rate is measured on the second half. */
export const PILOT_SECONDS = 0.3;
/** Networks timed after the warm-up before the estimate is made (unless PILOT_MAX_SECONDS pass first). */
export const PILOT_NETWORKS = 4;
/** The pilot ends here even when few networks were timed (slow networks: then one is enough). */
export const PILOT_MAX_SECONDS = 2;
/**
 * Nanoseconds per unit of the end-of-run statistics (`statisticsUnits`: one accumulator read, or 1/30 of a
 * test's bookkeeping). Measured on a shared two-core machine under a load of ≈ 10: 85–400 ns per unit (SU(15)
 * outputs, 6·10⁵ entries × 20 experiments: 6.1 s; SO(6), 1455 entries × 100 experiments × 10 elements:
 * 1.2–2.6 s; SO(3), 153 entries × 1000 elements: 1.6 s); the budget takes 250.
 */
export const STATISTICS_NS_PER_UNIT = 250;

export interface OrderSize {
  /** distinct entries of the order (multisets, or NTK entries) */
  K: number;
  /** points per product (the order; 2 for the NTK) */
  n: number;
  /** correlator orders build a multiset table; the NTK does not */
  multisets: boolean;
}

/** Bytes that runPaired allocates for these orders, E experiments and B transformations. */
export function pairedBytes(orders: readonly OrderSize[], E: number, B: number): number {
  let bytes = 0;
  for (const o of orders) {
    bytes += 8 * o.K * E * (2 + 4 * B); // s0, s0q, sd, sdq, st, stq
    if (o.multisets) bytes += o.K * o.n * (4 + 8); // Int32Array + the temporary array it is built from
  }
  return bytes;
}

/** Work of the statistics after the last network (units of ≈ STATISTICS_NS_PER_UNIT ns). */
export function statisticsUnits(orders: readonly OrderSize[], E: number, B: number): number {
  let units = 0;
  for (const o of orders) units += o.K * E * (2 + 4 * B) + 30 * o.K * B;
  return units;
}

/** Refuse (NnftResourceError) a comparison whose accumulators exceed the memory budget; the fix names what fits. */
export function requirePairedMemory(orders: readonly OrderSize[], E: number, B: number): void {
  const bytes = pairedBytes(orders, E, B);
  if (bytes <= memoryBudget()) return;
  let Emax = E;
  while (Emax > 2 && pairedBytes(orders, Emax, B) > memoryBudget()) Emax--;
  let Bmax = B;
  while (Bmax > 1 && pairedBytes(orders, E, Bmax) > memoryBudget()) Bmax--;
  const fits: string[] = [];
  if (Emax < E && pairedBytes(orders, Emax, B) <= memoryBudget()) fits.push(`--experiments ${Emax} fits`);
  if (Bmax < B && pairedBytes(orders, E, Bmax) <= memoryBudget()) fits.push(`--elements ${Bmax} fits`);
  const entries = orders.reduce((a, o) => a + o.K, 0);
  requireMemory(
    `accumulating ${entries} correlator entries over ${E} experiments and ${B} transformations`,
    bytes,
    `${fits.length ? fits.join('; ') : 'use lower orders, a smaller --dim or fewer --elements'}; or raise NNFT_MAX_MEMORY`,
  );
}

/**
 * Times the first networks of a run and refuses, early, a run that would exceed the time budget.
 * `repeats`: how many comparisons of this size the caller runs in total (all are covered by the budget).
 */
export class PilotClock {
  private readonly t0 = performance.now();
  private warmT = -1;
  private warmAt = 0;
  private decided = false;

  constructor(
    private readonly nets: number,
    private readonly statisticsSeconds: number,
    private readonly repeats: number,
    private readonly what: string,
  ) {}

  /** Call after network `done` (1-based count) is finished. */
  tick(done: number): void {
    if (this.decided) return;
    if (done >= this.nets) {
      this.decided = true;
      return;
    }
    const elapsed = (performance.now() - this.t0) / 1000;
    if (this.warmT < 0) {
      if (elapsed < PILOT_SECONDS / 2) return;
      this.warmT = done;
      this.warmAt = elapsed;
    }
    const counted = done - this.warmT;
    if (!((elapsed >= PILOT_SECONDS && counted >= PILOT_NETWORKS) || elapsed >= PILOT_MAX_SECONDS)) return;
    this.decided = true;
    // the rate after the warm-up (or, with no network after it, the whole pilot's)
    const perNet = counted > 0 ? (elapsed - this.warmAt) / counted : elapsed / done;
    const seconds = this.repeats * (perNet * this.nets + this.statisticsSeconds);
    const budget = timeBudget();
    if (seconds <= budget) return;
    const fit = Math.floor((budget / this.repeats - this.statisticsSeconds) / perNet);
    throw new NnftResourceError(
      `${this.what}${this.repeats > 1 ? ` (${this.repeats} comparisons)` : ''}: ${this.nets} networks at ≈ ${formatSeconds(perNet)} each (timed on the first ${done})${this.statisticsSeconds > 1 ? ` and ${formatSeconds(this.statisticsSeconds)} of statistics` : ''}`,
      `~${formatSeconds(seconds)}`,
      `${formatSeconds(budget)} (NNFT_MAX_SECONDS)`,
      fit >= 2 ? `at most --nets ${fit} fits; or raise NNFT_MAX_SECONDS` : 'even a few networks exceed the budget: use a smaller --width, --dim, fewer --elements or lower --orders; or raise NNFT_MAX_SECONDS',
    );
  }
}

/** Refuse up front when the statistics alone exceed the time budget (before any network is drawn). */
export function requireStatisticsTime(orders: readonly OrderSize[], E: number, B: number, repeats: number): number {
  const seconds = statisticsUnits(orders, E, B) * STATISTICS_NS_PER_UNIT * 1e-9;
  const budget = timeBudget();
  if (repeats * seconds > budget) {
    throw new NnftResourceError(
      `the statistics of ${orders.reduce((a, o) => a + o.K, 0)} correlator entries over ${E} experiments and ${B} transformations`,
      `~${formatSeconds(repeats * seconds)}`,
      `${formatSeconds(budget)} (NNFT_MAX_SECONDS)`,
      'use fewer --experiments or --elements, lower orders or a smaller --dim; or raise NNFT_MAX_SECONDS',
    );
  }
  return seconds;
}
