/**
 * Finite-width (O(1/n), n = channels) statistics of group-convolutional networks: V4, K¹, Θ¹, A, B, D, F on
 * (input, group element) pairs (docs/gcnn.md, "Finite width").
 *
 * The layer map z′_i(α) = b_i + Σ_{k∈S} Σ_j W_ij(k) σ(z_j(αk)) is, conditional on layer ℓ, Gaussian in (b, W)
 * with independent weights for every k, and channels are exchangeable. Every 1/n statistic of layer ℓ+1 is
 * therefore obtained from the MLP's derivation (PDLT ch. 4, 8; the symbolic engine's original forms) with the
 * input index running over pairs, followed by a linear map: the Wick pairings of W(k) with W(k′) force k = k′
 * between the two weights of one channel, so the slots that share a channel index are shifted together —
 *
 *   T⁽ˡ⁺¹⁾ = 𝒜 T_MLP[layer ℓ on pairs]            for K¹, Θ¹ (slots a, b),
 *   T⁽ˡ⁺¹⁾ = (𝒜 ⊗ 𝒜) T_MLP[layer ℓ on pairs]      for V4, A, D, B, F (slot pairs (1,2) and (3,4)),
 *
 * where T_MLP is the compiled evaluator of src/symbolic (the MLP recursion, derived by Gaussian integration by
 * parts) applied to layer ℓ's pair-indexed tensors, and r = n_ℓ/n_{ℓ−1} in channels.
 *
 * Pairs that are the same random variable at a layer (exact duplicates: equal lifted inputs, then equal
 * shifted classes) are merged before the evaluators run — their Gaussian expectations with δ-terms (ReLU) are
 * otherwise undefined — and, for positively homogeneous σ without biases, pairs that are positive multiples
 * of each other (z_α = s·z_β) are merged with their scale, as the MLP solver does for collinear inputs.
 * Expectations are shared between index tuples related by a right translation under which the ensemble is
 * invariant (architecture.ts `rightInvariance(…, 4)`).
 */
import type { Activation } from '../activations/types.ts';
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { Float64Arena } from '../gaussian/index.ts';
import type { DerivFactor } from '../gaussian/types.ts';
import { requireMemory } from '../resources.ts';
import { compileRecursion } from '../symbolic/index.ts';
import { makeLayerExpectations } from '../../recursions/expectation.ts';
import type { DerivGroup, LayerEvaluator, LayerTensors, RecursionContext } from '../recursion-contract.ts';
import type { QuantityName } from '../quantities.ts';
import { liftedInput, rightInvariance, shiftTable, type NormalizedGcnn } from './architecture.ts';
import type { KernelLayers } from './kernels.ts';
import { pairShift, supportAverage2, supportAverage4, type PairClasses } from './support-map.ts';

export const FINITE_QUANTITIES: readonly QuantityName[] = ['V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'];
/** The quantities a group-convolutional network's recursion supports (the MLP set on (input, group element) pairs). */
export const GCNN_QUANTITIES: readonly QuantityName[] = ['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'];
export const RANK4: ReadonlySet<QuantityName> = new Set<QuantityName>(['V4', 'A', 'B', 'D', 'F']);
const NTK_LIKE: ReadonlySet<QuantityName> = new Set<QuantityName>(['Theta', 'Theta1', 'A', 'B', 'D', 'F']);
/** quantities whose IBP forms contain δ(z_a)δ(z_b)-type terms for piecewise-linear σ */
const DELTA_PRODUCT: readonly QuantityName[] = ['K1', 'Theta1', 'A', 'D'];

// ------------------------------------------------------------------ classes of pairs

/** Layer-1 classes: equal lifted inputs (and, in homogeneous mode, positive multiples within 1e-12 in direction). */
export function liftClasses(ns: NormalizedGcnn, homogeneous: boolean): PairClasses {
  const n = ns.group.order;
  const M = ns.pairs;
  const cls = new Int32Array(M);
  const scale = new Float64Array(M).fill(1);
  const reps: number[] = [];
  const byKey = new Map<string, number>();
  const repDirs: { unit: Float64Array; norm: number }[] = [];
  const v = new Float64Array(ns.C0 * ns.liftSupport.length);
  for (let p = 0; p < M; p++) {
    liftedInput(ns, Math.floor(p / n), p % n, v);
    const key = Array.from(v).join(',');
    let c = byKey.get(key);
    if (c === undefined && homogeneous) {
      let norm = 0;
      for (const x of v) norm += x * x;
      norm = Math.sqrt(norm);
      if (norm > 0) {
        for (let r = 0; r < reps.length; r++) {
          const d = repDirs[r]!;
          if (!(d.norm > 0)) continue;
          let dev = 0;
          for (let j = 0; j < v.length; j++) dev = Math.max(dev, Math.abs(v[j]! / norm - d.unit[j]!));
          if (dev <= 1e-12) {
            c = r;
            scale[p] = norm / d.norm;
            break;
          }
        }
      }
      if (c === undefined) {
        repDirs.push({ unit: norm > 0 ? v.map((x) => x / norm) : new Float64Array(v.length), norm });
      }
    } else if (c === undefined) repDirs.push({ unit: new Float64Array(0), norm: 0 });
    if (c === undefined) {
      c = reps.length;
      reps.push(p);
      byKey.set(key, c);
    }
    cls[p] = c;
  }
  return { size: M, reduced: reps.length, cls, scale, reps: Int32Array.from(reps) };
}

/** Classes after a group convolution with the given pair shift: α ~ β iff αk ~ βk for every k with one common scale. */
export function convClasses(prev: PairClasses, shift: Int32Array, s: number): PairClasses {
  const M = prev.size;
  const cls = new Int32Array(M);
  const scale = new Float64Array(M).fill(1);
  const reps: number[] = [];
  const byKey = new Map<string, { c: number; s0: number }>();
  for (let p = 0; p < M; p++) {
    const k0 = shift[p * s]!;
    const s0 = prev.scale[k0]!;
    let key = '';
    for (let k = 0; k < s; k++) {
      const q = shift[p * s + k]!;
      const ratio = prev.scale[q]! / s0;
      key += `${prev.cls[q]}${ratio === 1 ? '' : `:${ratio.toPrecision(12)}`},`;
    }
    const hit = byKey.get(key);
    if (hit) {
      cls[p] = hit.c;
      scale[p] = s0 / hit.s0;
    } else {
      byKey.set(key, { c: reps.length, s0 });
      cls[p] = reps.length;
      reps.push(p);
    }
  }
  return { size: M, reduced: reps.length, cls, scale, reps: Int32Array.from(reps) };
}

function reduce2(T: Float64Array, c: PairClasses): Float64Array {
  const r = c.reduced;
  const M = c.size;
  const out = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) out[i * r + j] = T[c.reps[i]! * M + c.reps[j]!]!;
  return out;
}

function reduce4(T: Float64Array, c: PairClasses): Float64Array {
  const r = c.reduced;
  const M = c.size;
  const out = new Float64Array(r ** 4);
  const R = c.reps;
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) for (let k = 0; k < r; k++) {
    const src = ((R[i]! * M + R[j]!) * M + R[k]!) * M;
    const dst = ((i * r + j) * r + k) * r;
    for (let l = 0; l < r; l++) out[dst + l] = T[src + R[l]!]!;
  }
  return out;
}

function nested(T: Float64Array, r: number): number[][] {
  return Array.from({ length: r }, (_, i) => Array.from(T.subarray(i * r, (i + 1) * r)));
}

// ------------------------------------------------------------------ expectations shared along orbits

/**
 * Wrap a layer's expectations so that index tuples related by a right translation k (permutation π_k of the
 * classes) share one evaluation: the tuple is mapped to the smallest of its images (exact, since K is
 * invariant under k entry by entry).
 */
function orbitSharedExpectations(
  base: { expect(f: readonly DerivFactor[]): number; expectGroups(g: readonly DerivGroup[]): number },
  perms: Int32Array[],
): { expect(f: readonly DerivFactor[]): number; expectGroups(g: readonly DerivGroup[]): number } {
  if (perms.length <= 1) return base;
  const factorKey = (fs: readonly DerivFactor[]): string => fs.map((f) => `${f.input}.${f.order}`).join(',');
  const expect = (factors: readonly DerivFactor[]): number => {
    let best: DerivFactor[] | null = null;
    let bestKey = '';
    for (const pi of perms) {
      const mapped = factors.map((f) => ({ input: pi[f.input]!, order: f.order })).sort((x, y) => x.input - y.input || x.order - y.order);
      const key = factorKey(mapped);
      if (best === null || key < bestKey) {
        best = mapped;
        bestKey = key;
      }
    }
    return base.expect(best!);
  };
  const groupKey = (gs: readonly DerivGroup[]): string => gs.map((g) => `${g.input}:${g.deriv}:${g.orders.join('.')}`).join(';');
  const expectGroups = (groups: readonly DerivGroup[]): number => {
    let best: DerivGroup[] | null = null;
    let bestKey = '';
    for (const pi of perms) {
      const mapped = groups.map((g) => ({ input: pi[g.input]!, orders: g.orders, deriv: g.deriv })).sort((x, y) => x.input - y.input);
      const key = groupKey(mapped);
      if (best === null || key < bestKey) {
        best = mapped;
        bestKey = key;
      }
    }
    return base.expectGroups(best!);
  };
  return { expect, expectGroups };
}

/** π_k on classes for each k of H (only when every class map is a bijection and no scales are involved). */
function classPermutations(ns: NormalizedGcnn, c: PairClasses, H: readonly number[]): Int32Array[] {
  if (c.scale.some((x) => x !== 1)) return [];
  const n = ns.group.order;
  const out: Int32Array[] = [];
  for (const k of H) {
    const pi = new Int32Array(c.reduced);
    const seen = new Uint8Array(c.reduced);
    for (let i = 0; i < c.reduced; i++) {
      const p = c.reps[i]!;
      const q = Math.floor(p / n) * n + ns.group.mul(p % n, k);
      const j = c.cls[q]!;
      if (seen[j] || c.scale[q] !== 1) return [];
      seen[j] = 1;
      pi[i] = j;
    }
    out.push(pi);
  }
  return out;
}

// ------------------------------------------------------------------ the solver

export interface FiniteLayer {
  /** tensors of this layer on all pairs (flat (m|G|)² or (m|G|)⁴) */
  tensors: LayerTensors;
}

export interface FiniteOptions {
  /** evaluators to use instead of the compiled ones (tests) */
  evaluators?: Partial<Record<QuantityName, LayerEvaluator>>;
  /** right translations whose orbits share expectations (default: rightInvariance(ns, 4)) */
  invariance?: readonly number[];
}

/**
 * The finite-width tensors of every layer on pairs, given the infinite-width K (and Θ) of `kernels`.
 * `need`: the requested quantities with their dependencies (recursions/index.ts `closure`).
 */
export function gcnnFiniteWidth(ns: NormalizedGcnn, act: Activation, kernels: KernelLayers, need: ReadonlySet<QuantityName>, opts: FiniteOptions = {}): LayerTensors[] {
  const M = ns.pairs;
  const n = ns.group.order;
  const finite = FINITE_QUANTITIES.filter((q) => need.has(q));
  const rank4 = finite.filter((q) => RANK4.has(q)).length;
  requireMemory(
    `the pair-indexed four-index tensors (${finite.join(', ')}) of ${M} (input, group element) pairs`,
    8 * (2 * rank4 * M ** 4 + 2 * M ** 4 + (finite.length - rank4) * 2 * M * M),
    `${M} pairs = ${ns.m} inputs × |G| = ${n}; finite-width statistics need (m|G|)⁴ numbers each: use fewer inputs or a smaller group (pooled infinite-width K, Θ need only (m|G|)²)`,
  );
  const homogeneous =
    act.kind === 'piecewise-linear' && ns.cb.every((c) => c === 0) && DELTA_PRODUCT.some((q) => need.has(q));
  const evaluators = new Map<QuantityName, LayerEvaluator>();
  for (const q of finite) evaluators.set(q, opts.evaluators?.[q] ?? compileRecursion(q));
  const H = opts.invariance ?? rightInvariance(ns, 4);

  // layer 1: exactly Gaussian
  const layers: LayerTensors[] = [];
  const first: LayerTensors = { K: kernels.K[0]! };
  if (kernels.Theta) first.Theta = kernels.Theta[0]!;
  for (const q of finite) first[q] = new Float64Array(RANK4.has(q) ? M ** 4 : M * M);
  layers.push(first);
  let classes = liftClasses(ns, homogeneous);
  if (homogeneous && classes.scale.some((x) => x !== 1) && ns.lambdaB.some((x) => x !== 0) && [...need].some((q) => NTK_LIKE.has(q) && q !== 'Theta')) {
    throw new NnftInputError(
      'inputs',
      `some (input, group element) pairs are positive multiples of each other; with ${act.name} and C_b = 0 the 1/n NTK terms are individually divergent there and are obtained by homogeneity only when λ_b = 0`,
      'pass --lambda-b 0, a nonzero --cb, or inputs that are not positive multiples of one another',
    );
  }
  const arena = new Float64Arena();
  let cur = first;
  for (let l = 1; l < ns.L; l++) {
    const S = ns.convSupports[l]!;
    const s = S.length;
    const shift = pairShift(ns.m, n, shiftTable(ns.group, S), s);
    const r = classes.reduced;
    const prev: LayerTensors = { K: reduce2(cur.K, classes) };
    if (cur.Theta) prev.Theta = reduce2(cur.Theta, classes);
    for (const q of finite) {
      const t = cur[q]!;
      prev[q] = RANK4.has(q) ? reduce4(t, classes) : reduce2(t, classes);
    }
    arena.reset();
    const base = makeLayerExpectations(act, nested(prev.K, r), arena);
    const { expect, expectGroups } = orbitSharedExpectations(base, classPermutations(ns, classes, H));
    const ctx: RecursionContext = {
      m: r,
      cb: ns.cb[l]!,
      cw: ns.cw[l]!,
      lambdaB: ns.lambdaB[l]!,
      lambdaW: ns.lambdaW[l]!,
      r: ns.channels[l - 1]! / (l === 1 ? ns.C0 : ns.channels[l - 2]!),
      prev,
      expect,
      expectGroups,
    };
    const next: LayerTensors = { K: kernels.K[l]! };
    if (kernels.Theta) next.Theta = kernels.Theta[l]!;
    for (const q of finite) {
      const U = evaluators.get(q)!(ctx);
      for (let i = 0; i < U.length; i++) {
        if (!Number.isFinite(U[i])) {
          throw new NnftNumericalError(`the group-convolutional ${q}`, `a Gaussian expectation is not finite (entry ${i}: ${U[i]})`, 'use a bounded activation, smaller --cw/--cb, or inputs that are not collinear', { layer: l + 1, quantity: q });
        }
      }
      next[q] = RANK4.has(q) ? supportAverage4(U, classes, shift, s) : supportAverage2(U, classes, shift, s);
    }
    layers.push(next);
    cur = next;
    classes = convClasses(classes, shift, s);
  }
  return layers;
}
