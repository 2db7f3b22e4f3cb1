/**
 * Memory of a recursion solve over m inputs, estimated before anything is allocated (the solver refuses a solve
 * over the budget of src/resources.ts, naming the largest m that fits):
 *  - the returned layers: every kept layer's requested tensors as nested arrays (m² or m⁴ numbers each), and,
 *    when the caller serialises them to JSON (the CLI), the text and its output buffer (~24 bytes per number each);
 *  - the working tensors: layer ℓ, ℓ+1 and the layer before ℓ (growth rates quoted when a layer overflows), every
 *    quantity the requested ones depend on;
 *  - the expectation tables of the compiled evaluators (one flat table per expectation shape, m^(inputs) entries,
 *    or a hash map of the entries used beyond 4·2²⁰ entries), the largest evaluator's at a time;
 *  - the layer's memo of expectations and the prefetch tasks: the distinct expectations over ≤ 4 inputs;
 *  - measured, not derived: each thread's heap beyond the start-up one (compiled code, the layer's scratch,
 *    garbage between collections), ~120 MB per thread, and per four-input subset of a layer ~20 KB (one integrand,
 *    V4) or ~64 KB (the eight of A, B, D, F): the tasks, the quadrature tables of the subsets in flight and the
 *    garbage they leave until a collection;
 *  - per thread, the σ tables of the rule shared by the subsets of a rank-3 kernel (src/gaussian/shared-rule.ts;
 *    layer 1 over inputs in 3-D): ≤ 1.5·10⁵ nodes × (3 orders per input + 5), at most 256 MB.
 * Measured peaks (tanh, depth 10, 3-D inputs; resident memory beyond the ~85 MB of a started process, two threads
 * unless said): K,Θ,V4,K1 at m = 16: 196 MB (estimate 290 MB), the CLI process at m = 32 with its JSON: 1.28 GiB
 * (estimate 1.6 GiB); Θ1,A,B,D,F at m = 8: 118 MB (estimate 250 MB), at m = 12 in one thread: 163 MB (estimate
 * 166 MB), the CLI process at m = 16 with its JSON: 454 MB (estimate 517 MB).
 */
import { QUANTITIES, type QuantityName } from '../src/quantities.ts';
import { compileRecursionDetailed } from '../src/symbolic/derive.ts';
import { SHARED_MAX_BYTES, SHARED_ORDERS, SHARED_TYPICAL_NODES } from '../src/gaussian/shared-rule.ts';

const DOUBLE = 8;
/** A hash-map entry (memo key string and number, or a generated table's Map entry). */
const MAP_ENTRY = 100;
/** The generated code keeps tables of at most this many entries flat (src/symbolic/compile.ts). */
const FLAT_TABLE = 4194304;

function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c;
}

/** Bytes of the expectation tables an evaluator allocates for m inputs (0 for the direct K and Θ evaluators). */
function tableBytes(q: QuantityName, m: number): number {
  if (QUANTITIES[q].recursion.direct) return 0;
  let total = 0;
  for (const key of compileRecursionDetailed(q).expectationShapes) {
    const args = new Set([...key.matchAll(/@(\d+)/g)].map((x) => x[1])).size;
    const derivs = Number(/\|d(\d+)$/.exec(key)?.[1] ?? 0);
    const n = m ** args * args ** derivs;
    // beyond the flat limit: a map of the entries used (about one per distinct multiset of arguments)
    total += n <= FLAT_TABLE ? n * DOUBLE : (n / Math.max(1, factorial(args))) * MAP_ENTRY;
  }
  return total;
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

/** Heap a thread takes beyond a started process's, measured (see the module comment). */
const THREAD_HEAP = 120 * 2 ** 20;
/** Bytes per four-input subset of a layer, measured (see the module comment): one integrand (V4), or up to eight (A, B, D, F). */
const PER_SUBSET = 20 * 1024;
const PER_SUBSET_NTK = 64 * 1024;
/** Bytes per number of JSON text (a double prints as up to ~24 characters), once as text and once as output buffer. */
const JSON_NUMBER = 2 * 24;

export interface MemoryEstimateOptions {
  /** threads computing expectations (the calling one included); default 1 */
  threads?: number;
  /** the caller prints the kept layers as JSON */
  json?: boolean;
}

/** Estimated peak bytes of a solve beyond a started process (see the module comment). */
export function estimateSolveMemory(
  m: number, requested: readonly QuantityName[], need: ReadonlySet<QuantityName>, keptLayers: number, opts: MemoryEstimateOptions = {},
): number {
  const size = (q: QuantityName): number => m ** QUANTITIES[q].rank;
  // nested arrays: 8 bytes per number and ~48 per innermost array
  const nested = (q: QuantityName): number => size(q) * DOUBLE + (size(q) / m) * 48;
  let kept = 0;
  for (const q of requested) kept += nested(q);
  let working = 0;
  for (const q of need) working += size(q) * DOUBLE;
  let tables = 0;
  for (const q of need) tables = Math.max(tables, tableBytes(q, m));
  // distinct expectations: up to 8 integrands per 4-subset, ~20 per 3-subset, ~60 per pair (derivatives up to ∂⁴)
  // (a quantity of rank r needs expectations over at most r distinct inputs: K and Θ alone never touch 3- or 4-subsets)
  let inputsPerExpectation = 2;
  for (const q of need) inputsPerExpectation = Math.max(inputsPerExpectation, QUANTITIES[q].rank);
  const subsets4 = inputsPerExpectation >= 4 ? choose(m, 4) : 0;
  const subsets3 = inputsPerExpectation >= 3 ? choose(m, 3) : 0;
  const expectations = 8 * subsets4 + 20 * subsets3 + 60 * choose(m + 1, 2);
  let json = 0;
  if (opts.json) for (const q of requested) json += keptLayers * size(q) * JSON_NUMBER;
  const threads = Math.max(1, opts.threads ?? 1);
  const perSubset = (['A', 'B', 'D', 'F'] as const).some((q) => need.has(q)) ? PER_SUBSET_NTK : PER_SUBSET;
  const shared = subsets3 > 0 ? Math.min(SHARED_MAX_BYTES, DOUBLE * SHARED_TYPICAL_NODES * (5 + SHARED_ORDERS * m)) : 0;
  return keptLayers * kept + json + 3 * working + tables + 2 * expectations * MAP_ENTRY + threads * (THREAD_HEAP + shared) + perSubset * subsets4;
}

/** The largest m ≥ 1 with estimate(m) ≤ budget (0 if none). */
export function largestFitting(estimate: (m: number) => number, budget: number): number {
  let lo = 0;
  let hi = 1;
  while (estimate(hi) <= budget && hi < 1 << 20) hi *= 2;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (estimate(mid) <= budget) lo = mid;
    else hi = mid;
  }
  return lo;
}
