/**
 * A minimal algebra of integrands used by the hand-typed reference evaluators (test/oracle/reference.ts):
 * linear combinations of products Π_i σ^(k_i)(z_{a_i}), with exact partial derivatives ∂/∂z_δ by the product
 * rule. It is NOT the symbolic engine (src/symbolic derives and compiles the production evaluators); it only
 * lets the formulas of docs/equations.md be typed as written ("⟨∂δ1∂δ2 S_ab⟩") and evaluated through
 * RecursionContext.expect, so the two code paths can be compared entry by entry.
 */
import type { DerivFactor } from '../../src/gaussian/types.ts';

/** c · Π σ^(order)(z_input); factors kept sorted by (input, order) so equal monomials have equal keys. */
export interface Mono {
  c: number;
  f: DerivFactor[];
}
export type Poly = Mono[];

function cmpFactor(x: DerivFactor, y: DerivFactor): number {
  return x.input - y.input || x.order - y.order;
}

function keyOf(f: readonly DerivFactor[]): string {
  let s = '';
  for (const x of f) s += `${x.input}:${x.order},`;
  return s;
}

/** Merge equal monomials and drop zero coefficients. */
export function simplify(p: Poly): Poly {
  const map = new Map<string, Mono>();
  for (const mo of p) {
    const f = mo.f.slice().sort(cmpFactor);
    const k = keyOf(f);
    const prev = map.get(k);
    if (prev) prev.c += mo.c;
    else map.set(k, { c: mo.c, f });
  }
  return [...map.values()].filter((mo) => mo.c !== 0);
}

/** σ^(order)(z_input) as a polynomial. */
export function sig(input: number, order = 0): Poly {
  return [{ c: 1, f: [{ input, order }] }];
}

export function mul(p: Poly, q: Poly): Poly {
  const out: Poly = [];
  for (const a of p) for (const b of q) out.push({ c: a.c * b.c, f: [...a.f, ...b.f] });
  return simplify(out);
}

export function add(...ps: Poly[]): Poly {
  return simplify(ps.flat().map((mo) => ({ c: mo.c, f: mo.f })));
}

export function scale(p: Poly, s: number): Poly {
  return simplify(p.map((mo) => ({ c: mo.c * s, f: mo.f })));
}

/** ∂/∂z_δ by the product rule. */
export function diff(p: Poly, delta: number): Poly {
  const out: Poly = [];
  for (const mo of p) {
    mo.f.forEach((x, i) => {
      if (x.input !== delta) return;
      const f = mo.f.slice();
      f[i] = { input: x.input, order: x.order + 1 };
      out.push({ c: mo.c, f });
    });
  }
  return simplify(out);
}

/** The distinct inputs p depends on, ascending. */
export function support(p: Poly): number[] {
  const s = new Set<number>();
  for (const mo of p) for (const x of mo.f) s.add(x.input);
  return [...s].sort((a, b) => a - b);
}

/** ⟨p⟩ through a factor-product expectation. */
export function expectPoly(p: Poly, expect: (f: readonly DerivFactor[]) => number): number {
  let s = 0;
  for (const mo of p) s += mo.c * expect(mo.f);
  return s;
}
