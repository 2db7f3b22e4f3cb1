/**
 * The compiled evaluators driven by the project's own layer expectations (src/gaussian through
 * recursions/expectation.ts), as the recursion solver runs them: ReLU (δ-distributions, coinciding
 * inputs), tanh and gelu, against the recursion module's hand-typed reference (docs/equations.md) and closed forms.
 */
import { describe, expect, it } from 'vitest';
import { compileRecursion, deriveRecursion, compileExpression } from '../../src/symbolic/index.ts';
import { QUANTITY_NAMES, symmetryOf } from '../../src/quantities.ts';
import { getActivation } from '../../src/activations/index.ts';
import { makeLayerExpectations } from '../../recursions/expectation.ts';
import { referenceEvaluators } from '../oracle/reference.ts';
import type { LayerTensors, RecursionContext } from '../../src/recursion-contract.ts';
import { randomKernel, randomSym2, randomTensor4, rng } from './quad.ts';

function ctxFor(actName: string, K: number[][], prev: Omit<LayerTensors, 'K'>, p: { cb: number; cw: number; lambdaB: number; lambdaW: number; r: number }): RecursionContext {
  const ex = makeLayerExpectations(getActivation(actName), K);
  return { m: K.length, ...p, prev: { K: Float64Array.from(K.flat()), ...prev }, expect: ex.expect, expectGroups: ex.expectGroups };
}

function randomPrev(seed: number, m: number): Omit<LayerTensors, 'K'> {
  const R = rng(seed);
  const t4 = (n: 'V4' | 'A' | 'B' | 'D' | 'F') => randomTensor4(R, m, symmetryOf(n));
  return {
    Theta: Float64Array.from(randomKernel(R, m, Array.from({ length: m }, (_, i) => i), 0.5, 1.5).flat()),
    K1: randomSym2(R, m),
    Theta1: randomSym2(R, m),
    V4: t4('V4'),
    A: t4('A'),
    B: t4('B'),
    D: t4('D'),
    F: t4('F'),
  };
}

function maxRel(a: Float64Array, b: Float64Array): number {
  let s = 1e-300;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    s = Math.max(s, Math.abs(b[i]!));
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
  }
  return d / s;
}

describe('compiled evaluators on the project expectations', () => {
  for (const act of ['relu', 'tanh', 'gelu']) {
    it(`${act}, m = 2: all nine quantities equal test/oracle/reference.ts (hand-typed IBP forms)`, () => {
      const R = rng(11);
      const K = randomKernel(R, 2, [0, 1], 0.4, 1.2);
      const ctx = ctxFor(act, K, randomPrev(12, 2), { cb: 0.1, cw: 1.3, lambdaB: 0.7, lambdaW: 1.1, r: 0.8 });
      for (const q of QUANTITY_NAMES) {
        const reference = referenceEvaluators[q];
        if (!reference) continue; // a quantity without a hand-typed form
        const got = compileRecursion(q)(ctx);
        const want = reference(ctx);
        expect(got.every(Number.isFinite), `${act} ${q} finite`).toBe(true);
        expect(maxRel(got, want), `${act} ${q}`).toBeLessThan(1e-10);
      }
    });
  }

  it('relu needs the grouped form: the expanded product-rule form is undefined at coinciding inputs', () => {
    const ctx = ctxFor('relu', [[1]], randomPrev(3, 1), { cb: 0, cw: 2, lambdaB: 0, lambdaW: 1, r: 1 });
    expect(() => compileExpression(deriveRecursion('K1').expression).evaluate(ctx)).toThrow();
    expect(Number.isFinite(compileRecursion('K1')(ctx)[0])).toBe(true);
  });

  it('relu at criticality, one input: K¹ and Θ¹ stay 0; V = 5(ℓ−1)K², D, F, A, B follow the closed forms over 6 layers', () => {
    const Kv = 0.7;
    const lam = 1.3;
    const p = { cb: 0, cw: 2, lambdaB: 0, lambdaW: lam, r: 1 };
    // layer 1: Gaussian; Θ⁽¹⁾ = λ K⁽¹⁾/… : with λ_b = 0 and λ_W = λ, Θ⁽ℓ⁾ = ℓλK/2 so Θ⁽¹⁾ = λK/2
    let prev: LayerTensors = { K: Float64Array.of(Kv), Theta: Float64Array.of((lam * Kv) / 2) };
    for (let l = 1; l <= 6; l++) {
      const ex = makeLayerExpectations(getActivation('relu'), [[prev.K[0]!]]);
      const ctx: RecursionContext = { m: 1, ...p, prev, expect: ex.expect, expectGroups: ex.expectGroups };
      const next: LayerTensors = { K: compileRecursion('K')(ctx), Theta: compileRecursion('Theta')(ctx) };
      for (const q of ['V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'] as const) next[q] = compileRecursion(q)(ctx);
      prev = next;
      const L = l + 1;
      const tol = (x: number) => 1e-10 * Math.max(1, Math.abs(x));
      expect(Math.abs(prev.K[0]! - Kv)).toBeLessThan(tol(Kv));
      expect(Math.abs(prev.Theta![0]! - (L * lam * Kv) / 2)).toBeLessThan(tol(L));
      expect(Math.abs(prev.V4![0]! - 5 * (L - 1) * Kv * Kv)).toBeLessThan(tol(L * L));
      expect(Math.abs(prev.K1![0]!)).toBeLessThan(1e-10);
      expect(Math.abs(prev.Theta1![0]!)).toBeLessThan(1e-10);
      expect(Math.abs(prev.D![0]! - 1.5 * lam * Kv * Kv * L * (L - 1))).toBeLessThan(tol(L * L));
      expect(Math.abs(prev.F![0]! - 0.5 * lam * Kv * Kv * L * (L - 1))).toBeLessThan(tol(L * L));
      expect(Math.abs(prev.A![0]! - ((lam * lam * Kv * Kv) / 12) * (L - 1) * L * (7 * L - 2))).toBeLessThan(tol(L ** 3));
      expect(Math.abs(prev.B![0]! - ((lam * lam * Kv * Kv) / 12) * (L - 1) * L * (2 * L - 1))).toBeLessThan(tol(L ** 3));
    }
  });
});
