/**
 * The recursion solver: K, Θ and the O(1/n) quantities V4, K¹, Θ¹, A, B, D, F (src/quantities.ts) of a deep
 * MLP on m inputs, layer by layer (conventions: docs/conventions.md; equations: docs/equations.md).
 *
 *   layer 1:   K⁽¹⁾ = C_b + (C_W/n0) x·x,  Θ⁽¹⁾ = λ_b + (λ_W/n0) x·x,  all finite-width quantities 0 (exactly Gaussian);
 *   ℓ → ℓ+1:   each quantity by its evaluator from layer ℓ's tensors — the quantity's direct evaluator where its
 *              file gives one (K, Θ), else the symbolic engine's compiled IBP form — with the expectations
 *              ⟨Π σ^(k)(z_a)⟩ over N(0, K⁽ℓ⁾) from src/gaussian (memoized per layer) and r = n_ℓ/n_{ℓ−1}
 *              (n_0 = the input dimension; at layer 2 it multiplies V⁽¹⁾ = 0);
 *   every ℓ:   the quantities of layer ℓ itself (evaluatedOn 'same': the susceptibilities χ_∥, χ_⊥) from K⁽ℓ⁾ with the
 *              hyperparameters of layer ℓ+1 (of layer L at the last layer; recursions/quantities/chi.ts).
 *
 * Finite-width quantities are reported WITHOUT the 1/n_{ℓ−1} factor. No inverse kernel is used anywhere,
 * so duplicate or collinear inputs give the same numbers as the de-duplicated set.
 */
import { NnftInputError, NnftNumericalError } from '../src/errors.ts';
import { checkLayer1, isFiniteTensor, truncation, type Truncation } from './overflow.ts';
import { normalizeSpec, specKeys, type ArchitectureSpec } from '../src/spec.ts';
import { getActivation } from '../src/activations/index.ts';
import { makeLayerExpectations } from './expectation.ts';
import { NearCollinearPairs, nearNullMode } from './near-collinear.ts';
import { Float64Arena, NnftOverflowError } from '../src/gaussian/index.ts';
import type { LayerEvaluator, LayerTensors, QuantityRecursion, RecursionContext } from '../src/recursion-contract.ts';
import { QUANTITIES, QUANTITY_NAMES, parseQuantities, withDependencies, type NestedTensor, type QuantityName, type RankOf } from '../src/quantities.ts';
import { compileRecursion } from '../src/symbolic/derive.ts';
import { collectTasks, runTasksHere, type ExpectationTask } from './prefetch.ts';
import { defaultWorkers, runTasksParallel } from './parallel.ts';
import { estimateSolveMemory, largestFitting } from './memory.ts';
import { formatBytes, memoryBudget, requireMemory } from '../src/resources.ts';

export type { Truncation } from './overflow.ts';

/** Evaluation order within a layer (any order works, each reads only layer ℓ; this one is fixed for reproducibility). */
const ORDER: readonly QuantityName[] = QUANTITY_NAMES;
const rankOf = (q: QuantityName): number => QUANTITIES[q].rank;

const evaluatorCache = new Map<QuantityName, LayerEvaluator>();

/** The evaluator the solver uses for q: the direct one of its recursion file, else the compiled IBP form (cached). */
export function layerEvaluator(q: QuantityName): LayerEvaluator {
  let ev = evaluatorCache.get(q);
  if (!ev) {
    const rec: QuantityRecursion = QUANTITIES[q].recursion;
    ev = rec.direct ?? compileRecursion(q);
    evaluatorCache.set(q, ev);
  }
  return ev;
}

export interface RecursionSpec extends ArchitectureSpec {
  /**
   * Which quantities to report (names or aliases, src/quantities.ts; default K, Theta, V4, K1). Their
   * dependencies are computed internally.
   */
  quantities?: readonly QuantityName[];
}
/** The keys RecursionSpec adds to ArchitectureSpec (any other key of a spec is refused). */
export const RECURSION_SPEC_KEYS = specKeys<Omit<RecursionSpec, keyof ArchitectureSpec>>({ quantities: true });

/** One layer of the result (JSON shape: docs/conventions.md): only the requested quantities are present. */
export type LayerResult = { layer: number; width: number } & { [Q in QuantityName]?: NestedTensor<RankOf<Q>> };

export interface RecursionResult {
  layers: LayerResult[];
  /** Present when the solve stopped before the last layer (every reported layer is finite). */
  truncated?: Truncation;
}

/** Options for callers that want the raw tensors or timings (the CLI and the benchmark). */
export interface SolveOptions {
  /** Called after each layer with its flat tensors (layout of src/recursion-contract.ts). */
  onLayer?: (layer: number, tensors: LayerTensors) => void;
  /**
   * Accumulates wall time per quantity (ms), when given; `expectations` is the time of the expectations over three
   * and four inputs, computed for all quantities together before them (the rest is charged to the first quantity
   * that uses an expectation).
   */
  timings?: Partial<Record<QuantityName | 'expectations', number>>;
  /**
   * Solve on the distinct inputs and copy entries back (default true). Exact duplicates then agree exactly;
   * the IBP forms need no inverse kernel either way, and tests switch this off to exercise singular K.
   */
  dedupe?: boolean;
  /** Replace the evaluators of some quantities (tests run an independent oracle through the solver). */
  evaluators?: Partial<Record<QuantityName, LayerEvaluator>>;
  /**
   * Worker threads for the expectations over three and four inputs (recursions/parallel.ts; the calling thread
   * works too). Default: all cores but one when a layer has enough of them to pay for the threads; 0: none. The
   * numbers do not depend on it.
   */
  workers?: number;
  /** Called during the solve (about every 200 ms while a layer's expectations are computed, and after each layer). */
  onProgress?: (p: SolveProgress) => void;
  /** Layers (1-based) to return in `layers`; default all. onLayer still sees every layer. */
  keep?: readonly number[];
  /** The caller prints the result as JSON: its text is counted in the memory estimate (the CLI's --json). */
  json?: boolean;
}

/** Progress of a solve: the layer being computed and its expectation work (weighted tasks) done. */
export interface SolveProgress {
  /** layer being computed (2 … layers) and the number of layers */
  layer: number;
  layers: number;
  /** weighted expectation tasks of this layer done and in total (four-input subsets weigh 8, three-input 1) */
  done: number;
  total: number;
  /** fraction of the whole solve, 0 … 1 (every layer after the first counts equally) */
  fraction: number;
}

/**
 * Expectation tasks of one layer above which worker threads are started by default (four-input subsets weigh 8):
 * about half a second of single-thread work, against ~0.3 s to start a worker.
 */
const PARALLEL_WEIGHT = 2000;

/** A flat row-major rank-`rank` tensor over m inputs → nested arrays. */
function toNested(t: Float64Array, m: number, rank: number, offset = 0): unknown[] {
  const out: unknown[] = [];
  const stride = m ** (rank - 1);
  for (let a = 0; a < m; a++) {
    const o = offset + a * stride;
    out.push(rank === 1 ? (t[o] ?? NaN) : toNested(t, m, rank - 1, o));
  }
  return out;
}

/** The entry of a nested tensor at a multi-index. */
function entryAt(t: unknown, idx: readonly number[]): number {
  let v = t;
  for (const i of idx) v = (v as unknown[])[i];
  return v as number;
}

/** A nested rank-`rank` tensor with entries f(multi-index) over m inputs. */
function nestedFrom(m: number, rank: number, f: (idx: number[]) => number, prefix: number[] = []): unknown[] {
  const out: unknown[] = [];
  for (let a = 0; a < m; a++) out.push(rank === 1 ? f([...prefix, a]) : nestedFrom(m, rank - 1, f, [...prefix, a]));
  return out;
}

function setQuantity(row: LayerResult, q: QuantityName, value: unknown): void {
  (row as Record<string, unknown>)[q] = value;
}

/** Re-index a layer's tensors from the distinct inputs to the original list (map: original → distinct). */
function expandLayer(l: LayerResult, map: number[]): LayerResult {
  const out: LayerResult = { layer: l.layer, width: l.width };
  for (const q of QUANTITY_NAMES) {
    const t = l[q];
    if (!t) continue;
    setQuantity(out, q, nestedFrom(map.length, rankOf(q), (idx) => entryAt(t, idx.map((i) => map[i] ?? i))));
  }
  return out;
}

/** Solve the recursions for spec; see the module comment. */
/**
 * The layer's expectations, or — when the layer kernel K⁽ˡ⁾ built from the inputs fails src/gaussian's check (not
 * positive semi-definite beyond rounding: the Gaussian expectations of the previous layer lost accuracy, as for
 * inputs whose norms span hundreds of decades) — a numerical error naming the layer and --inputs.
 */
/**
 * Largest ratio K_bb/K_aa of two non-zero diagonal entries at which the two-input quadrature of a smooth σ is
 * validated: against the closed form of erf (Williams' arcsine kernel) the pair ⟨σ(z_a)σ(z_b)⟩ is within 2e-12 up
 * to a ratio of 1e12 and 1e-12 up to 1e10, but at 1e14 the narrow coordinate is integrated as if σ had saturated
 * there too (0.41 relative error). Beyond it the layer is refused.
 */
const MAX_DIAGONAL_SPREAD = 1e10;

function requireDiagonalSpread(layer: number, K: Float64Array, m: number): void {
  if (m < 2) return;
  let lo = Infinity;
  let hi = 0;
  for (let a = 0; a < m; a++) {
    const v = K[a * m + a]!;
    if (v > 0) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (hi / lo > MAX_DIAGONAL_SPREAD) {
    throw new NnftNumericalError(
      `the two-input Gaussian expectations over the layer-${layer} kernel`,
      `its diagonal entries K_aa span ${lo.toExponential(2)} to ${hi.toExponential(2)}, a ratio above ${MAX_DIAGONAL_SPREAD.toExponential(0)}, where the quadrature of a pair is not validated to its tolerance`,
      'rescale the inputs so that their norms |x|² span fewer decades (e.g. normalise each input), or split them into separate runs',
      { layer, quantity: 'K', argument: 'inputs' },
    );
  }
}

function layerExpectationsOrRefuse<T>(layer: number, inputs: readonly (readonly number[])[], make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof NnftInputError) || e.argument !== 'K') throw e;
    const norms = inputs.map((x) => x.reduce((t, v) => t + v * v, 0)).filter((v) => v > 0 && Number.isFinite(v));
    const lo = Math.min(...norms), hi = Math.max(...norms);
    const span = norms.length > 0 ? Math.log10(hi / lo) : 0;
    const problem = e.message.replace(/^invalid K: /, '').replace(/ — .*$/, '');
    throw new NnftNumericalError(
      `the Gaussian expectations over the layer-${layer} kernel`,
      `K⁽${layer}⁾ computed from these inputs ${problem}: the expectations of layer ${layer - 1} lost accuracy` +
        (span >= 6 ? ` (the squared input norms |x|² span ${span.toFixed(0)} decades, ${lo.toExponential(1)} to ${hi.toExponential(1)})` : ''),
      'rescale the inputs so that their norms |x|² span fewer decades (e.g. normalise each input), or split them into separate runs',
      { layer, quantity: 'K', argument: 'inputs' },
    );
  }
}

export function solveRecursions(spec: RecursionSpec, opts: SolveOptions = {}): RecursionResult {
  const requested = parseQuantities(spec?.quantities);
  const ns = normalizeSpec(spec, RECURSION_SPEC_KEYS);
  if (opts.dedupe !== false) {
    const uniq: number[][] = [];
    const map = ns.inputs.map((x) => {
      let i = uniq.findIndex((u) => u.every((v, j) => v === x[j]));
      if (i < 0) i = uniq.push(x) - 1;
      return i;
    });
    if (uniq.length < ns.m) {
      if (opts.onLayer) throw new Error('solveRecursions: onLayer with duplicate inputs is not supported; pass dedupe: false');
      const inner = solveRecursions({ ...spec, inputs: uniq, quantities: requested }, { ...opts, dedupe: false });
      return { layers: inner.layers.map((l) => expandLayer(l, map)), ...(inner.truncated ? { truncated: inner.truncated } : {}) };
    }
  }
  const act = getActivation(ns.activation);
  const { m, n0, L, inputs } = ns;
  const need = withDependencies(requested);
  if (act.kind === 'piecewise-linear') {
    for (const q of ORDER) {
      const why = need.has(q) ? QUANTITIES[q].recursion.notForPiecewiseLinear : undefined;
      if (why) throw new NnftInputError('quantities', `${q} does not exist for the piecewise-linear ${act.name}: ${why}`, 'use a smooth activation (gelu, softplus, tanh, …)');
    }
  }
  const keep = opts.keep ? new Set(opts.keep) : null;
  const kept = keep ? [...keep].filter((l) => Number.isInteger(l) && l >= 1 && l <= L).length : L;
  const memOpts = { threads: 1 + (act.kind === 'smooth' ? (opts.workers ?? defaultWorkers()) : 0), json: opts.json === true };
  const bytes = estimateSolveMemory(m, requested, need, kept, memOpts);
  if (bytes > memoryBudget()) {
    const fit = largestFitting((mm) => estimateSolveMemory(mm, requested, need, kept, memOpts), memoryBudget());
    requireMemory(
      `the recursions of ${requested.join(', ')} for ${m} inputs over ${kept} layer${kept === 1 ? '' : 's'}`,
      bytes,
      fit >= 1
        ? `at most ${fit} inputs fit in ${formatBytes(memoryBudget())} (${kept} layer${kept === 1 ? '' : 's'} kept); use fewer inputs, keep fewer layers, or raise NNFT_MAX_MEMORY`
        : `the fixed cost of the solver (threads and tables, ${formatBytes(estimateSolveMemory(1, requested, need, kept, memOpts))} for one input) exceeds NNFT_MAX_MEMORY = ${formatBytes(memoryBudget())}; raise NNFT_MAX_MEMORY`,
    );
  }
  const timings = opts.timings;
  const now = (): number => performance.now();

  // Layer 1 (exactly Gaussian).
  const dot = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      let s = 0;
      for (let j = 0; j < n0; j++) s += inputs[a]![j]! * inputs[b]![j]!;
      dot[a * m + b] = s;
    }
  }
  const first = { m, n0, gram: dot, cb: ns.cb[0]!, cw: ns.cw[0]!, lambdaB: ns.lambdaB[0]!, lambdaW: ns.lambdaW[0]! };
  const firstLayerOf = (q: QuantityName): Float64Array | undefined => {
    const rec: QuantityRecursion = QUANTITIES[q].recursion;
    if (rec.firstLayer) return rec.firstLayer(first);
    return QUANTITIES[q].finiteWidth ? new Float64Array(m ** rankOf(q)) : undefined;
  };
  const firstK = firstLayerOf('K');
  if (!firstK) throw new Error('the kernel recursion gives no layer-1 value');
  // Quantities of layer ℓ itself (evaluatedOn 'same', e.g. the susceptibilities) are evaluated on K⁽ℓ⁾ at every
  // layer; all others are built layer by layer from the previous one.
  const isSame = (q: QuantityName): boolean => QUANTITIES[q].recursion.evaluatedOn === 'same';
  const sameLayer = ORDER.filter((q) => need.has(q) && isSame(q));
  let cur: LayerTensors = { K: firstK };
  for (const q of ORDER) if (q !== 'K' && need.has(q) && !isSame(q)) cur[q] = firstLayerOf(q);
  checkLayer1(ns, dot, cur.K, cur.Theta, need);

  const layers: LayerResult[] = [];
  const emit = (layer: number, t: LayerTensors): void => {
    if (!keep || keep.has(layer)) {
      const row: LayerResult = { layer, width: ns.widths[layer - 1]! };
      for (const q of requested) {
        const v = t[q];
        if (v) setQuantity(row, q, toNested(v, m, rankOf(q)));
      }
      layers.push(row);
    }
    opts.onLayer?.(layer, t);
  };

  const arena = new Float64Arena(); // quadrature tables, recycled layer after layer
  let taskList: { key: string; tasks: ExpectationTask[] } | undefined;
  const evaluators = new Map<QuantityName, LayerEvaluator>();
  for (const q of ORDER) if (need.has(q)) evaluators.set(q, opts.evaluators?.[q] ?? layerEvaluator(q));
  // the last two finite layers (for the growth rates quoted when a layer overflows)
  const history: LayerTensors[] = [cur];
  const rOf = (layer: number): number => ns.widths[layer - 1]! / (layer === 1 ? n0 : ns.widths[layer - 2]!);
  // nearly collinear pairs of a piecewise-linear σ: the near-null vertex terms from double-double chains
  const pairs = act.kind === 'piecewise-linear' && act.pl && m >= 2 ? new NearCollinearPairs(inputs, { pl: act.pl, cb: ns.cb, cw: ns.cw, r: rOf }) : null;
  /**
   * One quantity of `layer`: its tensor, or the truncation marker when it overflows. `ctx` holds the expectations
   * that the evaluator reads; `base` the plain ones (the near-collinear pair terms are added against them).
   */
  const evaluate = (q: QuantityName, ctx: RecursionContext, layer: number, base: RecursionContext, from: number): { tensor: Float64Array } | { truncated: Truncation } => {
    const t0 = timings ? now() : 0;
    let t: Float64Array;
    try {
      t = evaluators.get(q)!(ctx);
      if (pairs && !opts.evaluators?.[q]) pairs.addNearNullTerms(q, t, from, base);
    } catch (e) {
      // an expectation that overflows ends the solve like an overflowing tensor; other numerical failures are
      // reported with the layer and quantity they belong to
      if (e instanceof NnftOverflowError) return { truncated: truncation(q, layer, history, ns, act, `${e.what} at layer ${layer}: ${e.reason}`) };
      if (e instanceof NnftNumericalError) throw new NnftNumericalError(e.what, e.reason, e.fix, { ...e.location, layer, quantity: q });
      throw e;
    }
    if (timings) timings[q] = (timings[q] ?? 0) + now() - t0;
    if (!isFiniteTensor(t)) return { truncated: truncation(q, layer, history, ns, act) };
    return { tensor: t };
  };
  for (let l = 1; l <= L; l++) {
    // Layer l's expectations over K⁽ˡ⁾ serve its own quantities and the step to layer l+1, with the
    // hyperparameters of layer l+1 (per-layer arrays are indexed by layer − 1); the last layer has no step and
    // builds them only for its own quantities, with its own hyperparameters.
    if (l === L && sameLayer.length === 0) {
      emit(l, cur);
      break;
    }
    const h = l < L ? l : L - 1;
    const nPrev = l === 1 ? n0 : ns.widths[l - 2]!;
    arena.reset();
    const Knested = toNested(cur.K, m, 2) as number[][];
    const layerK = cur.K;
    if (act.kind === 'smooth') requireDiagonalSpread(l, cur.K, m);
    const pairKernel = pairs ? (i: number, j: number) => pairs.exactKernel(i, j, l, layerK) : undefined;
    const { expect, expectGroups, store } = layerExpectationsOrRefuse(l, ns.inputs, () => makeLayerExpectations(act, Knested, arena, undefined, pairKernel));
    const ctx: RecursionContext = {
      m,
      cb: ns.cb[h]!,
      cw: ns.cw[h]!,
      lambdaB: ns.lambdaB[h]!,
      lambdaW: ns.lambdaW[h]!,
      r: l < L ? ns.widths[l - 1]! / nPrev : 1,
      prev: cur,
      expect,
      expectGroups,
    };
    // the expectations over three and four inputs of this layer's own quantities and of the step to layer l+1,
    // all at once (recursions/prefetch.ts); smooth σ only, so the near-collinear contexts of contextFor
    // (piecewise-linear σ) need none
    // progress counts the steps to layers 2 … L; the last layer's own quantities (two-input) are part of the end
    const progress = (done: number, total: number): void =>
      opts.onProgress?.({
        layer: Math.min(l + 1, L),
        layers: L,
        done,
        total,
        fraction: l < L ? (l - 1 + (total > 0 ? done / total : 1)) / Math.max(1, L - 1) : 1,
      });
    let weight = 0;
    if (act.kind === 'smooth') {
      const t0 = timings ? now() : 0;
      const layerQuantities = ORDER.filter((q) => need.has(q) && (isSame(q) || l < L));
      // which expectations the evaluators ask for depends on m and on which evaluators run, not on the kernel's
      // values: the list recorded for one layer serves the next ones with the same evaluators (anything missing
      // would be computed on demand by the evaluator that asks for it)
      const tasksKey = layerQuantities.join(',');
      if (taskList?.key !== tasksKey) taskList = { key: tasksKey, tasks: collectTasks(layerQuantities.map((q) => evaluators.get(q)!), ctx, store, act) };
      const tasks: ExpectationTask[] = taskList.tasks;
      for (const t of tasks) weight += t.weight;
      const nWorkers = opts.workers ?? (weight >= PARALLEL_WEIGHT ? defaultWorkers() : 0);
      if (nWorkers > 0 && tasks.length > 1) runTasksParallel(ns.activation, cur.K, m, tasks, store, nWorkers, progress);
      else {
        let done = 0;
        let last = Date.now();
        runTasksHere(tasks, store, (w) => {
          done += w;
          if (Date.now() - last >= 200) {
            last = Date.now();
            progress(done, weight);
          }
        });
      }
      if (timings) timings.expectations = (timings.expectations ?? 0) + now() - t0;
    }
    const modeCtx = new Map<string, RecursionContext>();
    const contextFor = (q: QuantityName): RecursionContext => {
      const mode = pairs && !opts.evaluators?.[q] ? nearNullMode(q, m) : undefined;
      if (!mode) return ctx;
      let c = modeCtx.get(mode);
      if (!c) modeCtx.set(mode, (c = { ...ctx, ...layerExpectationsOrRefuse(l, ns.inputs, () => makeLayerExpectations(act, Knested, undefined, mode, pairKernel)) }));
      return c;
    };
    for (const q of sameLayer) {
      const r = evaluate(q, ctx, l, ctx, l);
      if ('truncated' in r) return { layers, truncated: r.truncated };
      cur[q] = r.tensor;
    }
    emit(l, cur);
    if (l === L) break;
    const next: LayerTensors = { K: cur.K };
    for (const q of ORDER) {
      if (!need.has(q) || isSame(q)) continue;
      const r = evaluate(q, contextFor(q), l + 1, ctx, l);
      if ('truncated' in r) return { layers, truncated: r.truncated };
      next[q] = r.tensor;
    }
    cur = next;
    history.push(cur);
    if (history.length > 2) history.shift();
    progress(weight, weight);
  }
  return { layers };
}
