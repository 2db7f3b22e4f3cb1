/**
 * Elementary IBP identities, checked numerically: for random PD K (fast-check), the engine's reduced form
 * of each building block equals direct quadrature of the original integrand (with its bare z's) to 1e-9.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { E, expression, mul, sig, simplify, toText, z, type Expression, type Sum } from '../../src/symbolic/index.ts';
import { S, H2, H4 } from '../../recursions/quantities/blocks.ts';
import { evalAt, erfAct, makeCtx, randomKernel, rng, sinAct, tanhAct, type TestActivation } from './quad.ts';


interface Case {
  name: string;
  externals: string[];
  build: () => Sum;
  /** term count of the reduced form (stated, exact). */
  terms: number;
}

const CASES: Case[] = [
  { name: '⟨σσ(zz − K)⟩', externals: ['a1', 'a2', 'b1', 'b2'], build: () => E(mul(S('a1', 'a2'), H2('b1', 'b2'))), terms: 4 },
  { name: '⟨σ′σ z⟩', externals: ['a1', 'a2', 'b1'], build: () => E(mul(sig('a1', 1), sig('a2'), z('b1'))), terms: 2 },
  { name: '⟨σσσσ zz⟩', externals: ['a1', 'a2', 'a3', 'a4', 'b1', 'b2'], build: () => E(mul(S('a1', 'a2'), S('a3', 'a4'), z('b1'), z('b2'))), terms: 17 },
  { name: '⟨σσσσ(zz − K)⟩', externals: ['a1', 'a2', 'a3', 'a4', 'b1', 'b2'], build: () => E(mul(S('a1', 'a2'), S('a3', 'a4'), H2('b1', 'b2'))), terms: 16 },
  { name: '⟨σσ H4(z)⟩', externals: ['a1', 'a2', 'b1', 'b2', 'b3', 'b4'], build: () => E(mul(S('a1', 'a2'), H4(['b1', 'b2', 'b3', 'b4']))), terms: 16 },
  { name: '⟨σσ zzzz⟩ (Misof, NTK slides)', externals: ['a1', 'a2', 'b1', 'b2', 'b3', 'b4'], build: () => E(mul(S('a1', 'a2'), z('b1'), z('b2'), z('b3'), z('b4'))), terms: 43 },
  { name: '⟨σ′σ′ H4(z)⟩', externals: ['a1', 'a2', 'b1', 'b2', 'b3', 'b4'], build: () => E(mul(sig('a1', 1), sig('a2', 1), H4(['b1', 'b2', 'b3', 'b4']))), terms: 16 },
];

function check(c: Case, pick: number, seed: number, m: number, at: number[]): void {
  // tanh/erf only where at most 2 distinct inputs occur (Gauss–Hermite reaches 1e-12 there); sin always
  const distinct = new Set(at.map((v) => v % m)).size;
  const act: TestActivation = distinct <= 2 ? [tanhAct, erfAct, sinAct][pick]! : sinAct;
  const original: Expression = expression(c.externals, c.build());
  const reduced = simplify(original);
  const R = rng(seed);
  const K = randomKernel(R, m, Array.from({ length: m }, (_, i) => i));
  const ctx = makeCtx(act, K, {}, { cb: 0, cw: 1, lambdaB: 0, lambdaW: 0, r: 1 });
  const bind = Object.fromEntries(c.externals.map((x, i) => [x, at[i]! % m]));
  const viaIbp = evalAt(reduced, bind, ctx);
  const direct = evalAt(original, bind, ctx, undefined, { act, K });
  expect(Math.abs(viaIbp - direct)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(direct)));
}

describe('IBP building blocks equal direct quadrature (random PD K)', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.terms} terms after IBP; equal to quadrature of the original (tanh, erf in ≤ 2 dims; sin in 2–4 dims)`, () => {
      const reduced = simplify(expression(c.externals, c.build()));
      expect(reduced.terms.length).toBe(c.terms);
      expect(reduced.terms.every((t) => t.expects.every((g) => g.factors.every((f) => f.kind === 'sig')))).toBe(true);
      const k = c.externals.length;
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          fc.integer({ min: 2, max: 4 }),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: k, maxLength: k }),
          fc.integer({ min: 0, max: 2 }),
          (seed, m, at, pick) => {
            check(c, pick, seed, m, at);
          },
        ),
        { numRuns: 6, seed: 4242 },
      );
    });
  }

  it('the seed-004 example prints in its GaussExpec/Derivative/K format', () => {
    const reduced = simplify(expression(['a1', 'a2', 'b1', 'b2', 'b3', 'b4'], E(mul(S('a1', 'a2'), z('b1'), z('b2'), z('b3'), z('b4')))));
    const text = toText(reduced);
    expect(text).toContain('GaussExpec(sig(z[a1])*sig(z[a2]))*K[b1, b2]*K[b3, b4]');
    expect(text).toContain('GaussExpec(Derivative(sig(z[a1]), z[a1])*Derivative(sig(z[a2]), z[a2]))*K[a1, b1]*K[a2, b2]*K[b3, b4]');
    expect(text).toContain('Derivative(sig(z[a1]), (z[a1], 2))');
  });
});
