/**
 * The recursion solver: K, Θ and the O(1/n) quantities V4, K¹, Θ¹, A, B, D, F (src/quantities.ts) of a deep
 * MLP on m inputs, layer by layer (conventions: docs/conventions.md; equations: docs/equations.md).
 *
 *   layer 1:   K⁽¹⁾ = C_b + (C_W/n0) x·x,  Θ⁽¹⁾ = λ_b + (λ_W/n0) x·x,  all finite-width quantities 0 (exactly Gaussian);
 *   ℓ → ℓ+1:   each quantity by its evaluator from layer ℓ's tensors — the quantity's direct evaluator where its
 *              file gives one (K, Θ), else the symbolic engine's compiled IBP form — with the expectations
 *              ⟨Π σ^(k)(z_a)⟩ over N(0, K⁽ℓ⁾) from src/gaussian (memoized per layer) and r = n_ℓ/n_{ℓ−1}
 *              (n_0 = the input dimension; at layer 2 it multiplies V⁽¹⁾ = 0).
 *
 * Finite-width quantities are reported WITHOUT the 1/n_{ℓ−1} factor. No inverse kernel is used anywhere,
 * so duplicate or collinear inputs give the same numbers as the de-duplicated set.
 */
import { NnftInputError } from '../src/errors.ts';
import { normalizeSpec, type ArchitectureSpec } from '../src/spec.ts';
import { getActivation } from '../src/activations/index.ts';
import { makeLayerExpectations } from './expectation.ts';
import { Float64Arena } from '../src/gaussian/index.ts';
import type { LayerEvaluator, LayerTensors, QuantityRecursion, RecursionContext } from '../src/recursion-contract.ts';
import { QUANTITIES, QUANTITY_NAMES, parseQuantities, withDependencies, type NestedTensor, type QuantityName, type RankOf } from '../src/quantities.ts';
import { compileRecursion } from '../src/symbolic/derive.ts';

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

/** One layer of the result (JSON shape: docs/conventions.md): only the requested quantities are present. */
export type LayerResult = { layer: number; width: number } & { [Q in QuantityName]?: NestedTensor<RankOf<Q>> };

export interface RecursionResult {
  layers: LayerResult[];
}

/** Options for callers that want the raw tensors or timings (the CLI and the benchmark). */
export interface SolveOptions {
  /** Called after each layer with its flat tensors (layout of src/recursion-contract.ts). */
  onLayer?: (layer: number, tensors: LayerTensors) => void;
  /** Accumulates wall time per quantity (ms), expectations included, when given. */
  timings?: Partial<Record<QuantityName, number>>;
  /**
   * Solve on the distinct inputs and copy entries back (default true). Exact duplicates then agree exactly;
   * the IBP forms need no inverse kernel either way, and tests switch this off to exercise singular K.
   */
  dedupe?: boolean;
  /** Replace the evaluators of some quantities (tests run an independent oracle through the solver). */
  evaluators?: Partial<Record<QuantityName, LayerEvaluator>>;
}

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

function checkFinite(q: QuantityName, layer: number, t: Float64Array): void {
  for (let i = 0; i < t.length; i++) {
    if (!Number.isFinite(t[i])) {
      throw new Error(`recursion produced a non-finite ${q} at layer ${layer} (entry ${i}): ${t[i]}`);
    }
  }
}

/** Solve the recursions for spec; see the module comment. */
export function solveRecursions(spec: RecursionSpec, opts: SolveOptions = {}): RecursionResult {
  const requested = parseQuantities(spec?.quantities);
  const ns = normalizeSpec(spec);
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
      return { layers: inner.layers.map((l) => expandLayer(l, map)) };
    }
  }
  const act = getActivation(ns.activation);
  const reduced = solveCollinearByHomogeneity(spec, ns, act.kind, requested, opts);
  if (reduced) return reduced;
  const { m, n0, L, inputs } = ns;
  const need = withDependencies(requested);
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
  let cur: LayerTensors = { K: firstK };
  for (const q of ORDER) if (q !== 'K' && need.has(q)) cur[q] = firstLayerOf(q);

  const layers: LayerResult[] = [];
  const emit = (layer: number, t: LayerTensors): void => {
    const row: LayerResult = { layer, width: ns.widths[layer - 1]! };
    for (const q of requested) {
      const v = t[q];
      if (v) setQuantity(row, q, toNested(v, m, rankOf(q)));
    }
    layers.push(row);
    opts.onLayer?.(layer, t);
  };
  emit(1, cur);

  const arena = new Float64Arena(); // quadrature tables, recycled layer after layer
  const evaluators = new Map<QuantityName, LayerEvaluator>();
  for (const q of ORDER) if (need.has(q)) evaluators.set(q, opts.evaluators?.[q] ?? layerEvaluator(q));
  for (let l = 1; l < L; l++) {
    // Building layer l+1 from layer l; per-layer arrays are indexed by layer − 1.
    const nPrev = l === 1 ? n0 : ns.widths[l - 2]!;
    arena.reset();
    const { expect, expectGroups } = makeLayerExpectations(act, toNested(cur.K, m, 2) as number[][], arena);
    const ctx: RecursionContext = {
      m,
      cb: ns.cb[l]!,
      cw: ns.cw[l]!,
      lambdaB: ns.lambdaB[l]!,
      lambdaW: ns.lambdaW[l]!,
      r: ns.widths[l - 1]! / nPrev,
      prev: cur,
      expect,
      expectGroups,
    };
    const next: LayerTensors = { K: cur.K };
    for (const q of ORDER) {
      if (!need.has(q)) continue;
      const t0 = timings ? now() : 0;
      const t = evaluators.get(q)!(ctx);
      if (timings) timings[q] = (timings[q] ?? 0) + now() - t0;
      checkFinite(q, l + 1, t);
      next[q] = t;
    }
    cur = next;
    emit(l + 1, cur);
  }
  return { layers };
}

/** Quantities whose IBP forms contain δ(z_a)δ(z_b)-type terms for piecewise-linear σ (4th derivatives of σσ, 2nd of σ'σ'). */
const DELTA_PRODUCT_QUANTITIES: readonly QuantityName[] = ['K1', 'Theta1', 'A', 'D'];
const NTK_QUANTITIES: readonly QuantityName[] = ['Theta', 'Theta1', 'A', 'B', 'D', 'F'];

/**
 * Inputs that are positive multiples of each other (x_b = c·x_a, c > 0, not equal) with a piecewise-linear σ
 * and C_b = 0 in every layer: then z_b = c·z_a exactly at every depth, K is singular along that line, and the
 * single IBP terms δ(z_a)δ(z_b) of K¹, Θ¹, A, D diverge (their sum does not). Every quantity is then homogeneous
 * of degree one in each input index (σ positively homogeneous, no bias; NTK quantities too when λ_b = 0), so we
 * solve on one representative per ray and rescale: T[a][b]… = s_a s_b … T_rep. Returns undefined when no reduction
 * is needed; throws a clear error when the reduction is needed but invalid (λ_b ≠ 0 with NTK quantities).
 * Directions are compared to 1e-12 (∞-norm of the unit vectors).
 */
function solveCollinearByHomogeneity(
  spec: RecursionSpec, ns: ReturnType<typeof normalizeSpec>, kind: string, requested: QuantityName[], opts: SolveOptions,
): RecursionResult | undefined {
  if (kind !== 'piecewise-linear' || ns.cb.some((c) => c !== 0) || ns.m < 2) return undefined;
  const need = withDependencies(requested);
  if (!DELTA_PRODUCT_QUANTITIES.some((q) => need.has(q))) return undefined;
  const norms = ns.inputs.map((x) => Math.hypot(...x));
  const reps: number[] = [];
  const map: number[] = [];
  const scale: number[] = [];
  let collinear = false;
  ns.inputs.forEach((x, a) => {
    let found = -1;
    if (norms[a] > 0) {
      found = reps.findIndex((r) => norms[r] > 0 && x.every((v, j) => Math.abs(v / norms[a] - ns.inputs[r][j] / norms[r]) <= 1e-12));
    }
    if (found >= 0 && norms[a] !== norms[reps[found]]) collinear = true;
    if (found < 0) found = reps.push(a) - 1;
    map.push(found);
    scale.push(norms[reps[found]] > 0 ? norms[a] / norms[reps[found]] : 1);
  });
  if (!collinear) return undefined;
  const lambdaBZero = ns.lambdaB.every((l) => l === 0) || !NTK_QUANTITIES.some((q) => need.has(q));
  if (!lambdaBZero && !['Theta1', 'A', 'D'].some((q) => need.has(q as QuantityName))) {
    // Θ, B, F have no divergent terms: solve them directly, and K, V4, K¹ by homogeneity.
    const ntk = requested.filter((q) => NTK_QUANTITIES.includes(q));
    const kType = requested.filter((q) => !NTK_QUANTITIES.includes(q));
    const a = solveCollinearByHomogeneity(spec, ns, kind, kType, opts)!;
    const b = solveRecursions({ ...spec, quantities: ntk }, opts);
    return { layers: a.layers.map((l, i) => ({ ...l, ...b.layers[i], layer: l.layer, width: l.width })) };
  }
  if (!lambdaBZero) {
    throw new NnftInputError(
      'inputs',
      `some inputs are positive multiples of each other; with ${spec.activation} and C_b = 0 the 1/n NTK terms are ` +
        'individually divergent on that line and are obtained by homogeneity only when λ_b = 0',
      'pass --lambda-b 0, a nonzero C_b, or inputs that are not positive multiples of one another',
    );
  }
  if (opts.onLayer) throw new Error('solveRecursions: onLayer with collinear inputs is not supported');
  const inner = solveRecursions({ ...spec, inputs: reps.map((r) => ns.inputs[r]), quantities: requested }, opts);
  const s = scale;
  return {
    layers: inner.layers.map((l) => {
      const out: LayerResult = { layer: l.layer, width: l.width };
      for (const q of QUANTITY_NAMES) {
        const t = l[q];
        if (!t) continue;
        // T[i][j]… = s_i s_j … T_rep[map i][map j]…
        setQuantity(out, q, nestedFrom(map.length, rankOf(q), (idx) => idx.reduce((p, i) => p * (s[i] ?? NaN), 1) * entryAt(t, idx.map((i) => map[i] ?? i))));
      }
      return out;
    }),
  };
}
