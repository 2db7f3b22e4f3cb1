/**
 * The recursion solver: K, Θ and the O(1/n) quantities V4, K¹, Θ¹, A, B, D, F of a deep MLP on m inputs,
 * layer by layer (DESIGN §3 conventions, §4 equations, §6 output shape).
 *
 *   layer 1:   K⁽¹⁾ = C_b + (C_W/n0) x·x,  Θ⁽¹⁾ = λ_b + (λ_W/n0) x·x,  all finite-width quantities 0 (exactly Gaussian);
 *   ℓ → ℓ+1:   each quantity by its evaluator (recursions/evaluators.ts) from layer ℓ's tensors, with the
 *              expectations ⟨Π σ^(k)(z_a)⟩ over N(0, K⁽ℓ⁾) from src/gaussian (memoized per layer) and
 *              r = n_ℓ/n_{ℓ−1} (n_0 = the input dimension; at layer 2 it multiplies V⁽¹⁾ = 0).
 *
 * Finite-width quantities are reported WITHOUT the 1/n_{ℓ−1} factor. No inverse kernel is used anywhere,
 * so duplicate or collinear inputs give the same numbers as the de-duplicated set.
 */
import { NnftInputError } from '../src/errors.ts';
import { normalizeSpec, specKeys, type ArchitectureSpec } from '../src/spec.ts';
import { getActivation } from '../src/activations/index.ts';
import { makeLayerExpectations } from './expectation.ts';
import { Float64Arena } from '../src/gaussian/index.ts';
import type { LayerEvaluator, LayerTensors, QuantityName, RecursionContext } from './types.ts';
import { getEvaluator } from './evaluators.ts';

export type { QuantityName } from './types.ts';
export { evaluatorSource } from './evaluators.ts';

export const ALL_QUANTITIES: readonly QuantityName[] = ['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'];
/** Computed when `quantities` is not given. */
export const DEFAULT_QUANTITIES: readonly QuantityName[] = ['K', 'Theta', 'V4', 'K1'];

/** What each quantity's recursion reads from the layer below (besides K, which every layer needs). */
const DEPENDS: Record<QuantityName, QuantityName[]> = {
  K: [],
  Theta: [],
  V4: [],
  K1: ['V4'],
  D: ['Theta', 'V4'],
  F: ['Theta'],
  B: ['Theta'],
  A: ['Theta', 'V4', 'D'],
  Theta1: ['Theta', 'V4', 'K1', 'D', 'F'],
};
/** Evaluation order within a layer (any order works, each reads only layer ℓ; this one is fixed for reproducibility). */
const ORDER: readonly QuantityName[] = ALL_QUANTITIES;
const RANK4 = new Set<QuantityName>(['V4', 'A', 'B', 'D', 'F']);

export interface RecursionSpec extends ArchitectureSpec {
  /** Which quantities to report (default K, Theta, V4, K1). Their dependencies are computed internally. */
  quantities?: readonly QuantityName[];
}
/** The keys RecursionSpec adds to ArchitectureSpec (any other key of a spec is refused). */
export const RECURSION_SPEC_KEYS = specKeys<Omit<RecursionSpec, keyof ArchitectureSpec>>({ quantities: true });

/** One layer of the result (DESIGN §6): only the requested quantities are present. */
export interface LayerResult {
  layer: number;
  width: number;
  K?: number[][];
  Theta?: number[][];
  V4?: number[][][][];
  K1?: number[][];
  Theta1?: number[][];
  A?: number[][][][];
  B?: number[][][][];
  D?: number[][][][];
  F?: number[][][][];
}

export interface RecursionResult {
  layers: LayerResult[];
}

/** Options for callers that want the raw tensors or timings (the CLI and the benchmark). */
export interface SolveOptions {
  /** Called after each layer with its flat tensors (layout of recursions/types.ts). */
  onLayer?: (layer: number, tensors: LayerTensors) => void;
  /** Accumulates wall time per quantity (ms), expectations included, when given. */
  timings?: Partial<Record<QuantityName, number>>;
  /**
   * Solve on the distinct inputs and copy entries back (default true). Exact duplicates then agree exactly;
   * the IBP forms need no inverse kernel either way, and tests switch this off to exercise singular K.
   */
  dedupe?: boolean;
  /** Replace the registry's evaluators for some quantities (tests: the hand-typed oracle of reference.ts). */
  evaluators?: Partial<Record<QuantityName, LayerEvaluator>>;
}

/** Validate a quantity list (names are case-sensitive as in DESIGN §6; 'Θ' spellings are accepted). */
export function parseQuantities(q: readonly string[] | undefined): QuantityName[] {
  if (q === undefined) return [...DEFAULT_QUANTITIES];
  if (!Array.isArray(q) || q.length === 0) {
    throw new NnftInputError('quantities', 'expected a non-empty list', `choose from ${ALL_QUANTITIES.join(',')}`);
  }
  const alias: Record<string, QuantityName> = { 'Θ': 'Theta', 'Θ1': 'Theta1', 'Θ¹': 'Theta1', 'K¹': 'K1', V: 'V4' };
  const out: QuantityName[] = [];
  for (const raw of q) {
    const name = (alias[String(raw).trim()] ?? String(raw).trim()) as QuantityName;
    if (!ALL_QUANTITIES.includes(name)) {
      throw new NnftInputError('quantities', `unknown quantity '${raw}'`, `choose from ${ALL_QUANTITIES.join(',')}`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** The requested quantities plus everything their recursions need. */
export function closure(requested: readonly QuantityName[]): Set<QuantityName> {
  const need = new Set<QuantityName>(['K']);
  const visit = (q: QuantityName): void => {
    if (need.has(q) && q !== 'K') return;
    need.add(q);
    DEPENDS[q].forEach(visit);
  };
  requested.forEach(visit);
  return need;
}

function toNested2(t: Float64Array, m: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a < m; a++) {
    const row = new Array<number>(m);
    for (let b = 0; b < m; b++) row[b] = t[a * m + b]!;
    out.push(row);
  }
  return out;
}
function toNested4(t: Float64Array, m: number): number[][][][] {
  const out: number[][][][] = [];
  for (let a = 0; a < m; a++) {
    const A: number[][][] = [];
    for (let b = 0; b < m; b++) {
      const B: number[][] = [];
      for (let c = 0; c < m; c++) {
        const o = ((a * m + b) * m + c) * m;
        const row = new Array<number>(m);
        for (let d = 0; d < m; d++) row[d] = t[o + d]!;
        B.push(row);
      }
      A.push(B);
    }
    out.push(A);
  }
  return out;
}

/** Re-index a layer's tensors from the distinct inputs to the original list (map: original → distinct). */
function expandLayer(l: LayerResult, map: number[]): LayerResult {
  const out: LayerResult = { layer: l.layer, width: l.width };
  for (const q of ALL_QUANTITIES) {
    const t = l[q];
    if (!t) continue;
    (out as unknown as Record<string, unknown>)[q] = RANK4.has(q)
      ? map.map((a) => map.map((b) => map.map((c) => map.map((d) => (t as number[][][][])[a][b][c][d]))))
      : map.map((a) => map.map((b) => (t as number[][])[a][b]));
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
  const requested = parseQuantities(spec?.quantities as string[] | undefined);
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
      return { layers: inner.layers.map((l) => expandLayer(l, map)) };
    }
  }
  const act = getActivation(ns.activation);
  const reduced = solveCollinearByHomogeneity(spec, ns, act.kind, requested, opts);
  if (reduced) return reduced;
  const { m, n0, L, inputs } = ns;
  const need = closure(requested);
  const timings = opts.timings;
  const now = (): number => performance.now();

  // Layer 1 (exactly Gaussian).
  const dot = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      let s = 0;
      for (let j = 0; j < n0; j++) s += inputs[a][j] * inputs[b][j];
      dot[a * m + b] = s;
    }
  }
  let cur: LayerTensors = { K: dot.map((x) => ns.cb[0] + (ns.cw[0] / n0) * x) };
  if (need.has('Theta')) cur.Theta = dot.map((x) => ns.lambdaB[0] + (ns.lambdaW[0] / n0) * x);
  for (const q of ORDER) if (q !== 'K' && q !== 'Theta' && need.has(q)) cur[q] = new Float64Array(RANK4.has(q) ? m ** 4 : m * m);

  const layers: LayerResult[] = [];
  const emit = (layer: number, t: LayerTensors): void => {
    const row: LayerResult = { layer, width: ns.widths[layer - 1] };
    for (const q of requested) {
      const v = t[q]!;
      (row as unknown as Record<string, unknown>)[q] = RANK4.has(q) ? toNested4(v, m) : toNested2(v, m);
    }
    layers.push(row);
    opts.onLayer?.(layer, t);
  };
  emit(1, cur);

  const arena = new Float64Arena(); // quadrature tables, recycled layer after layer
  const evaluators = new Map<QuantityName, LayerEvaluator>();
  for (const q of ORDER) if (need.has(q)) evaluators.set(q, opts.evaluators?.[q] ?? getEvaluator(q, act.kind));
  for (let l = 1; l < L; l++) {
    // Building layer l+1 from layer l; per-layer arrays are indexed by layer − 1.
    const nPrev = l === 1 ? n0 : ns.widths[l - 2];
    arena.reset();
    const { expect, expectGroups } = makeLayerExpectations(act, toNested2(cur.K, m), arena);
    const ctx: RecursionContext = {
      m,
      cb: ns.cb[l],
      cw: ns.cw[l],
      lambdaB: ns.lambdaB[l],
      lambdaW: ns.lambdaW[l],
      r: ns.widths[l - 1] / nPrev,
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
  const need = closure(requested);
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
      for (const q of ALL_QUANTITIES) {
        const t = l[q];
        if (!t) continue;
        (out as unknown as Record<string, unknown>)[q] = RANK4.has(q)
          ? map.map((a, i) => map.map((b, j) => map.map((c, k) => map.map((d, n) => s[i] * s[j] * s[k] * s[n] * (t as number[][][][])[a][b][c][d]))))
          : map.map((a, i) => map.map((b, j) => s[i] * s[j] * (t as number[][])[a][b]));
      }
      return out;
    }),
  };
}
