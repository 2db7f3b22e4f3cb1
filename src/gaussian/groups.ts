/**
 * The two expectation forms of one layer kernel K that the recursions use (the IBP forms of Roberts, Yaida, Hanin,
 * "The Principles of Deep Learning Theory", ch. 4 and 8, and of Gerken, Misof et al. for the NTK):
 *
 *  expect(factors)       ⟨Π σ^(k)(z_a)⟩ over N(0, K) — `makeLayerExpectation` of src/gaussian/index.ts, memoised there.
 *  expectGroups(groups)  ⟨Π_g ∂^{d_g}[Π_{k ∈ g.orders} σ^(k)](z_{g.input})⟩ — each derivative acts on the WHOLE product
 *                        of factors at its input (the IBP terms ⟨∂δ1∂δ2 S_ab⟩ with a = b are (σ_a²)'').
 *
 * Why the grouped form: for piecewise-linear σ the product-rule terms of (σ²)'''' = 2σσ'''' + 8σ'σ''' + 6σ''²
 * contain δ(z)² and θ(z)δ'(z) at one point, which are individually undefined although their sum (2δ'(z) for ReLU)
 * is not. Grouping keeps every expectation well defined:
 *  - smooth σ: the group derivative is expanded by Leibniz' rule into ordinary factor products (exact);
 *  - piecewise-linear σ: the group is multiplied out into atoms z^p θ(z)^ind first and then differentiated
 *    (src/gaussian/piecewise.ts `plGroupExpectation`), and two inputs are reduced in closed form in their correlation
 *    angle (src/gaussian/pair.ts).
 *
 * Near-collinear inputs (piecewise-linear σ). For two distinct inputs expectGroups returns the contraction-ready value
 * (pair.ts, mode 'contraction'): the derivative components along the near-null direction of K that no stored
 * previous-layer tensor can resolve (w-order q with sin^q(angle) below ~1e-15) are dropped. The recursions only use
 * expectGroups inside contractions Σ_δ T_δ… ⟨∂_δ…⟩ with T = V, K¹, D, F, where those components multiply tensor
 * entries that vanish with the angle; pair.ts states the error bound. Pass { nearNull: 'exact' } for the plain
 * expectation (which diverges as the angle → 0 when δ-functions meet at both inputs).
 */
import type { Activation } from '../activations/types.ts';
import type { Float64Arena } from './arena.ts';
import { makeLayerExpectationStore, type LayerExpectationStore } from './index.ts';
import type { PairMode } from './pair.ts';
import { plGroupExpectation } from './piecewise.ts';
import type { DD } from './dd.ts';
import type { DerivFactor } from './types.ts';

/** A group of factors at one input with a derivative acting on their whole product: (d/dz)^deriv Π σ^(k)(z_input). */
export interface DerivGroup {
  readonly input: number;
  readonly orders: readonly number[];
  readonly deriv: number;
}

export interface LayerExpectations {
  expect(factors: readonly DerivFactor[]): number;
  expectGroups(groups: readonly DerivGroup[]): number;
  /** The memo behind `expect`, with batched evaluation (src/gaussian/index.ts). */
  store: LayerExpectationStore;
}

export interface LayerExpectationOptions {
  /** Scratch storage for smooth-activation quadrature tables (src/gaussian/arena.ts). */
  arena?: Float64Arena;
  /** Piecewise-linear σ, two inputs: 'contraction' (default, see the module comment), 'resolved', 'split' or 'exact' (pair.ts). */
  nearNull?: PairMode;
  /**
   * Piecewise-linear σ: the kernel of inputs (i, j) in double-double where it is known beyond the rounding of K
   * (nearly collinear pairs, recursions/near-collinear.ts); two-input expectations then use its angle, including
   * those without derivatives (`expect`).
   */
  pairKernel?: (i: number, j: number) => readonly [DD, DD, DD] | undefined;
}

const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800];
const fact = (n: number): number => (n < FACT.length ? FACT[n]! : n * fact(n - 1));

/** Memo key of a group list: groups sorted by input, orders sorted; one short token per group. */
function groupKey(groups: readonly DerivGroup[]): string {
  let sorted = true;
  for (let i = 1; i < groups.length; i++) if (groups[i - 1]!.input > groups[i]!.input) sorted = false;
  const gs = sorted ? groups : groups.slice().sort((x, y) => x.input - y.input);
  let s = '';
  for (const g of gs) {
    s += `${g.input}:${g.deriv}:`;
    const o = isAscending(g.orders) ? g.orders : g.orders.slice().sort((a, b) => a - b);
    for (const k of o) s += String.fromCharCode(48 + k);
    s += ';';
  }
  return s;
}

function isAscending(a: readonly number[]): boolean {
  for (let i = 1; i < a.length; i++) if (a[i - 1]! > a[i]!) return false;
  return true;
}

/** Leibniz expansions by (orders, d), shared by every layer (they depend on nothing else). */
const leibnizCache = new Map<string, [number, number[]][]>();
function leibnizCached(orders: readonly number[], d: number): [number, number[]][] {
  const key = `${orders.join('.')}|${d}`;
  let e = leibnizCache.get(key);
  if (!e) {
    e = leibniz(orders, d);
    leibnizCache.set(key, e);
  }
  return e;
}

/** Leibniz: ∂^d Π_i σ^(k_i) = Σ_{j1+…+jn=d} d!/(j1!…jn!) Π σ^(k_i+j_i), as [coef, orders]. */
function leibniz(orders: readonly number[], d: number): [number, number[]][] {
  const n = orders.length;
  if (n === 0) return d === 0 ? [[1, []]] : [];
  const out: [number, number[]][] = [];
  const j = new Array<number>(n).fill(0);
  const rec = (i: number, left: number): void => {
    if (i === n - 1) {
      j[i] = left;
      let c = fact(d);
      for (const x of j) c /= fact(x);
      out.push([c, orders.map((k, t) => k + j[t]!)]);
      return;
    }
    for (let x = 0; x <= left; x++) {
      j[i] = x;
      rec(i + 1, left - x);
    }
  };
  rec(0, d);
  return out;
}

/**
 * ⟨Π_g ∂^{d_g}[Π σ^(k)](z_g)⟩ for smooth σ through `expect`: each group derivative expanded by Leibniz' rule into
 * ordinary factor products (exact).
 */
export function smoothGroupExpectation(expect: (factors: readonly DerivFactor[]) => number, groups: readonly DerivGroup[]): number {
  const expansions = groups.map((g) => leibnizCached(g.orders, g.deriv));
  let total = 0;
  const factors: DerivFactor[] = [];
  const rec = (i: number, coef: number): void => {
    if (i === groups.length) {
      total += coef * expect(factors);
      return;
    }
    const base = factors.length;
    for (const [c, orders] of expansions[i]!) {
      factors.length = base;
      for (const k of orders) factors.push({ input: groups[i]!.input, order: k });
      rec(i + 1, coef * c);
    }
    factors.length = base;
  };
  rec(0, 1);
  return total;
}

/** Both expectation forms for one layer kernel K (validated once by src/gaussian). */
export function makeLayerExpectations(act: Activation, K: number[][], opts: LayerExpectationOptions = {}): LayerExpectations {
  const store = makeLayerExpectationStore(act, K, { arena: opts.arena });
  const expect = store.expect;
  const mode = opts.nearNull ?? 'contraction';
  const memo = new Map<string, number>();

  const smoothGroups = (groups: readonly DerivGroup[]): number => smoothGroupExpectation(expect, groups);

  const pairKernel = opts.pairKernel;
  const plGroups = (groups: readonly DerivGroup[]): number => {
    const C = groups.map((g) => groups.map((h) => K[g.input]![h.input]!));
    const pk = pairKernel ? (i: number, j: number) => pairKernel(groups[i]!.input, groups[j]!.input) : undefined;
    return plGroupExpectation(act.pl!, C, groups.map((g) => g.orders), groups.map((g) => g.deriv), mode, pk);
  };

  const expectGroups = (groups: readonly DerivGroup[]): number => {
    for (let i = 1; i < groups.length; i++) {
      for (let j = 0; j < i; j++) {
        if (groups[i]!.input === groups[j]!.input) throw new Error(`expectGroups: input ${groups[i]!.input} appears in two groups; merge them`);
      }
    }
    const key = groupKey(groups);
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const v = act.kind === 'piecewise-linear' ? plGroups(groups) : smoothGroups(groups);
    memo.set(key, v);
    return v;
  };
  if (!pairKernel || act.kind !== 'piecewise-linear') return { expect, expectGroups, store };
  const expectPair = (factors: readonly DerivFactor[]): number => {
    const inputs = [...new Set(factors.map((f) => f.input))].sort((x, y) => x - y);
    if (inputs.length !== 2 || !pairKernel(inputs[0]!, inputs[1]!)) return expect(factors);
    return expectGroups(inputs.map((input) => ({ input, orders: factors.filter((f) => f.input === input).map((f) => f.order), deriv: 0 })));
  };
  return { expect: expectPair, expectGroups, store };
}
