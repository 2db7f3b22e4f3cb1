/**
 * The per-layer expectations handed to evaluators through RecursionContext (src/recursion-contract.ts):
 *
 *  expect(factors)      ⟨Π σ^(k)(z_a)⟩ over N(0, K) — src/gaussian `makeLayerExpectation`, memoised there.
 *  expectGroups(groups) ⟨Π_g ∂^{d_g}[Π_{k ∈ g.orders} σ^(k)](z_{g.input})⟩ — each derivative acts on the WHOLE
 *                       product of factors at its input (the IBP forms' ⟨∂δ1∂δ2 S_ab⟩ with a = b is (σ_a²)'').
 *
 * Why the second form: for piecewise-linear σ the product-rule terms of (σ²)'''' = 2σσ'''' + 8σ'σ''' + 6σ''²
 * contain δ(z)² and θ(z)δ'(z) at one point, which are individually undefined although their sum (2δ'(z) for
 * ReLU) is not. Grouping keeps every expectation well defined:
 *  - smooth σ: the group derivative is expanded by Leibniz' rule into ordinary factor products (exact);
 *  - piecewise-linear σ: the group is multiplied out into atoms z^p θ(z)^ind first and then differentiated
 *    (d/dz θ = δ), and the product over inputs is reduced exactly by src/gaussian's piecewise module.
 * Groups must have distinct inputs. Exact duplicate inputs are removed by the solver before it gets here.
 */
import type { Activation } from '../src/activations/types.ts';
import { makeLayerExpectation, type Float64Arena } from '../src/gaussian/index.ts';
import { expectPl, mulAtomsPublic, plAtoms, type PlFactor } from '../src/gaussian/piecewise.ts';
import type { DerivFactor } from '../src/gaussian/types.ts';
import type { DerivGroup } from '../src/recursion-contract.ts';

const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800];
const fact = (n: number): number => (n < FACT.length ? FACT[n] : n * fact(n - 1));

export interface LayerExpectations {
  expect(factors: readonly DerivFactor[]): number;
  expectGroups(groups: readonly DerivGroup[]): number;
}

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
  const j = new Array(n).fill(0);
  const rec = (i: number, left: number): void => {
    if (i === n - 1) {
      j[i] = left;
      let c = fact(d);
      for (const x of j) c /= fact(x);
      out.push([c, orders.map((k, t) => k + j[t])]);
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

/** Derivative of an atom (z^p θ^ind or δ^(j)): [coef, atom] or null when it vanishes. */
function dAtom(f: PlFactor): [number, PlFactor] | null {
  if (f.dj >= 0) return [1, { p: 0, ind: 0, dj: f.dj + 1 }];
  if (f.p > 0) return [f.p, { p: f.p - 1, ind: f.ind, dj: -1 }];
  return f.ind === 1 ? [1, { p: 0, ind: 0, dj: 0 }] : null;
}

function atomKey(f: PlFactor): string {
  return `${f.p}.${f.ind}.${f.dj}`;
}
function collect(atoms: [number, PlFactor][]): [number, PlFactor][] {
  const m = new Map<string, [number, PlFactor]>();
  for (const [c, f] of atoms) {
    const k = atomKey(f);
    const prev = m.get(k);
    if (prev) prev[0] += c;
    else m.set(k, [c, f]);
  }
  return [...m.values()].filter(([c]) => c !== 0);
}

/** ∂^d of the product of σ^(k) (k ∈ orders) for piecewise-linear σ, as atoms. */
function plGroupAtoms(act: Activation, orders: readonly number[], d: number): [number, PlFactor][] {
  const { slopeNeg, slopePos } = act.pl!;
  let atoms: [number, PlFactor][] = [[1, { p: 0, ind: 0, dj: -1 }]];
  for (const k of orders) {
    const next: [number, PlFactor][] = [];
    for (const a of atoms) for (const b of plAtoms(k, slopeNeg, slopePos)) next.push(...mulAtomsPublic(a, b));
    atoms = collect(next);
  }
  for (let i = 0; i < d; i++) {
    const next: [number, PlFactor][] = [];
    for (const [c, f] of atoms) {
      const df = dAtom(f);
      if (df) next.push([c * df[0], df[1]]);
    }
    atoms = collect(next);
  }
  return atoms;
}

/** Both expectation forms for one layer kernel K (validated once by src/gaussian). */
export function makeLayerExpectations(act: Activation, K: number[][], arena?: Float64Arena): LayerExpectations {
  const expect = makeLayerExpectation(act, K, { arena });
  const memo = new Map<string, number>();
  let scale = 0;
  for (let i = 0; i < K.length; i++) scale = Math.max(scale, K[i][i]);
  if (!(scale > 0)) scale = 1;

  const smoothGroups = (groups: readonly DerivGroup[]): number => {
    const expansions = groups.map((g) => leibnizCached(g.orders, g.deriv));
    let total = 0;
    const factors: DerivFactor[] = [];
    const rec = (i: number, coef: number): void => {
      if (i === groups.length) {
        total += coef * expect(factors);
        return;
      }
      const base = factors.length;
      for (const [c, orders] of expansions[i]) {
        factors.length = base;
        for (const k of orders) factors.push({ input: groups[i].input, order: k });
        rec(i + 1, coef * c);
      }
      factors.length = base;
    };
    rec(0, 1);
    return total;
  };

  const plGroups = (groups: readonly DerivGroup[]): number => {
    const live = groups.filter((g) => g.orders.length > 0 || g.deriv > 0);
    if (live.some((g) => g.orders.length === 0)) return 0; // ∂^d of a constant
    const atoms = live.map((g) => plGroupAtoms(act, g.orders, g.deriv));
    const C = live.map((g) => live.map((h) => K[g.input][h.input]));
    let total = 0;
    const pick: PlFactor[] = new Array(live.length);
    const rec = (i: number, coef: number): void => {
      if (coef === 0) return;
      if (i === live.length) {
        total += coef * expectPl(pick, C, scale);
        return;
      }
      for (const [c, f] of atoms[i]) {
        pick[i] = f;
        rec(i + 1, coef * c);
      }
    };
    rec(0, 1);
    return total;
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
  return { expect, expectGroups };
}
