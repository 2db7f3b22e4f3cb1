import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getActivation } from '../../src/activations/index.ts';
import { expectActivationProduct as E, makeLayerExpectation } from '../../src/gaussian/index.ts';
import type { DerivFactor } from '../../src/gaussian/types.ts';
import { NnftInputError } from '../../src/errors.ts';

const f = (input: number, order: number): DerivFactor => ({ input, order });
const rel = (a: number, b: number, floor = 0) => Math.abs(a - b) / Math.max(Math.abs(b), floor);

/** a 2×2 PSD kernel from variances and a correlation */
const k2 = (v1: number, v2: number, rho: number) => [[v1, rho * Math.sqrt(v1 * v2)], [rho * Math.sqrt(v1 * v2), v2]];
const arbK2 = fc.tuple(fc.double({ min: 0.05, max: 4, noNaN: true }), fc.double({ min: 0.05, max: 4, noNaN: true }), fc.double({ min: -0.99, max: 0.99, noNaN: true }));

/** E[Π_a sin^(k_a)(z_a)] exactly: sin^(k)(z) = sin(z + kπ/2) = Im e^{i(z + kπ/2)}. */
function sinProductExact(K: number[][], inputs: number[], orders: number[]): number {
  const n = inputs.length;
  let re = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    const eps = inputs.map((_, i) => ((mask >> i) & 1 ? -1 : 1));
    // Π (e^{iε(z+φ)} ε /(2i)) → coefficient Π ε_a e^{iε_a φ_a} / (2i)^n, expectation exp(−½ εᵀKε)
    let q = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q += eps[i]! * eps[j]! * K[inputs[i]!]![inputs[j]!]!;
    let phase = 0;
    let sign = 1;
    for (let i = 0; i < n; i++) {
      phase += eps[i]! * orders[i]! * (Math.PI / 2);
      sign *= eps[i]!;
    }
    // (2i)^{-n} = 2^{-n} e^{−iπn/2}
    re += sign * Math.exp(-0.5 * q) * Math.cos(phase - (Math.PI * n) / 2);
  }
  return re / 2 ** n;
}

describe('smooth activations: 1-D and 2-D accuracy ≤ 1e-12', () => {
  it('erf: Williams arcsine kernel, 1-D and 2-D (random K)', () => {
    const act = getActivation('erf');
    fc.assert(
      fc.property(arbK2, ([v1, v2, rho]) => {
        const K = k2(v1, v2, rho);
        const w = (2 / Math.PI) * Math.asin((2 * K[0]![1]!) / Math.sqrt((1 + 2 * v1) * (1 + 2 * v2)));
        const w11 = (2 / Math.PI) * Math.asin((2 * v1) / (1 + 2 * v1));
        expect(rel(E(act, K, [f(0, 0), f(1, 0)]), w, 1e-3)).toBeLessThan(1e-12);
        expect(rel(E(act, K, [f(0, 0), f(0, 0)]), w11)).toBeLessThan(1e-12);
      }),
      { numRuns: 25, seed: 11 },
    );
    // large variance, too
    const K = k2(30, 12, 0.6);
    const w = (2 / Math.PI) * Math.asin((2 * K[0]![1]!) / Math.sqrt(61 * 25));
    expect(rel(E(act, K, [f(0, 0), f(1, 0)]), w)).toBeLessThan(1e-12);
  });
  it('sin: E[sin z1 sin z2] = e^{−(K11+K22)/2} sinh K12 and derivatives (cos), 1-D and 2-D', () => {
    const act = getActivation('sin');
    fc.assert(
      fc.property(arbK2, ([v1, v2, rho]) => {
        const K = k2(v1, v2, rho);
        const ex = Math.exp(-(v1 + v2) / 2) * Math.sinh(K[0]![1]!);
        const scale = Math.exp(-(v1 + v2) / 2) * Math.cosh(K[0]![1]!);
        expect(rel(E(act, K, [f(0, 0), f(1, 0)]), ex, scale)).toBeLessThan(1e-12);
        for (const [o1, o2] of [[1, 0], [1, 1], [2, 3], [0, 4]]) {
          expect(rel(E(act, K, [f(0, o1!), f(1, o2!)]), sinProductExact(K, [0, 1], [o1!, o2!]), scale)).toBeLessThan(1e-12);
        }
        expect(rel(E(act, K, [f(0, 0), f(0, 0)]), (1 - Math.exp(-2 * v1)) / 2)).toBeLessThan(1e-12);
      }),
      { numRuns: 25, seed: 5 },
    );
  });
  it('gelu: E[gelu] = K/√(2π(1+K)) and 2-D against a much higher-order rule', () => {
    const act = getActivation('gelu');
    for (const v of [0.1, 0.7, 2.5, 9]) {
      expect(rel(E(act, [[v]], [f(0, 0)]), v / Math.sqrt(2 * Math.PI * (1 + v)))).toBeLessThan(1e-12);
    }
    for (const K of [k2(0.6, 0.9, 0.4), k2(2, 0.5, -0.7), k2(0.3, 0.3, 0.95)]) {
      const v = E(act, K, [f(0, 0), f(1, 0)]);
      const hi = E(act, K, [f(0, 0), f(1, 0)], { tol: 1e-14 });
      const gh = E(act, K, [f(0, 0), f(1, 0)], { order: 160 });
      expect(rel(v, hi)).toBeLessThan(1e-12);
      expect(rel(v, gh)).toBeLessThan(1e-12);
    }
  });
  it('tanh: 1-D and 2-D against Gauss–Hermite of order 200 and a finer trapezoid', () => {
    const act = getActivation('tanh');
    for (const K of [k2(0.4, 0.7, 0.3), k2(0.9, 0.2, -0.8), k2(0.5, 0.5, 0.999)]) {
      for (const F of [[f(0, 0), f(1, 0)], [f(0, 1), f(1, 1)], [f(0, 2), f(1, 0), f(1, 1)], [f(0, 0), f(0, 0)]]) {
        const v = E(act, K, F);
        expect(rel(v, E(act, K, F, { order: 200 }), 1e-3)).toBeLessThan(1e-12);
        expect(rel(v, E(act, K, F, { tol: 1e-14 }), 1e-3)).toBeLessThan(1e-12);
      }
    }
    // larger variance: GH converges too slowly there; compare with the finer trapezoid only
    const K = k2(6, 3, 0.5);
    expect(rel(E(act, K, [f(0, 0), f(1, 0)]), E(act, K, [f(0, 0), f(1, 0)], { tol: 1e-14 }))).toBeLessThan(1e-12);
  });
  it('gauss (e^z): E[Π e^{z_a}] = exp(½ Σ K_ab), 1–4 D', () => {
    const act = getActivation('gauss');
    const K = [[0.5, 0.2, -0.1, 0.1], [0.2, 0.8, 0.3, 0.0], [-0.1, 0.3, 0.6, 0.2], [0.1, 0.0, 0.2, 0.9]];
    for (const n of [1, 2, 3, 4]) {
      let q = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q += K[i]![j]!;
      const F = Array.from({ length: n }, (_, i) => f(i, i % 2));
      expect(rel(E(act, K, F), Math.exp(q / 2))).toBeLessThan(n <= 2 ? 1e-12 : 1e-10);
    }
  });
});

describe('smooth activations: 3-D and 4-D', () => {
  const K4 = [[1.0, 0.3, 0.2, 0.5], [0.3, 1.2, 0.4, 0.1], [0.2, 0.4, 0.8, 0.3], [0.5, 0.1, 0.3, 1.1]];
  it('sin products with derivatives are exact to ≤ 1e-10', () => {
    const act = getActivation('sin');
    for (const orders of [[0, 0, 0], [1, 0, 2], [0, 0, 0, 0], [1, 1, 0, 0], [2, 0, 1, 3]]) {
      const inputs = orders.map((_, i) => i);
      const v = E(act, K4, orders.map((k, i) => f(i, k)));
      expect(Math.abs(v - sinProductExact(K4, inputs, orders))).toBeLessThan(1e-10);
    }
  });
  it('tanh 4-D ⟨σσσσ⟩ and ⟨σ′σ′σσ⟩ agree with tensor Gauss–Hermite (order 40) to 2e-10', () => {
    const act = getActivation('tanh');
    // GH converges slowly for tanh at K ~ 1 (poles near the axis); at 0.3·K4 order 40 is good to ~1e-11
    const Ks = K4.map((r) => r.map((x) => 0.3 * x));
    for (const F of [[f(0, 0), f(1, 0), f(2, 0), f(3, 0)], [f(0, 1), f(1, 1), f(2, 0), f(3, 0)]]) {
      const v = E(act, Ks, F);
      expect(rel(v, E(act, Ks, F, { order: 40 }))).toBeLessThan(2e-10);
      // at K4 itself: against a tighter trapezoid
      expect(rel(E(act, K4, F), E(act, K4, F, { tol: 1e-12 }), 1e-2)).toBeLessThan(1e-9);
    }
    const K3 = [[1, 0.3, 0.2], [0.3, 1.2, 0.4], [0.2, 0.4, 0.8]];
    const F3 = [f(0, 0), f(1, 1), f(2, 1)];
    expect(rel(E(act, K3, F3), E(act, K3, F3, { order: 120 }), 1e-2)).toBeLessThan(1e-11);
  });
});

describe('singular kernels', () => {
  it('duplicate inputs give the same numbers as de-duplicated ones', () => {
    const K2 = [[0.9, 0.4], [0.4, 0.7]];
    const K3 = [[0.9, 0.4, 0.9], [0.4, 0.7, 0.4], [0.9, 0.4, 0.9]]; // input 2 duplicates input 0
    for (const name of ['tanh', 'gelu', 'relu', 'leaky_relu(0.2)']) {
      const act = getActivation(name);
      // (tanh: this one vanishes by symmetry, hence the absolute floor)
      expect(rel(E(act, K3, [f(0, 0), f(1, 0), f(2, 0)]), E(act, K2, [f(0, 0), f(0, 0), f(1, 0)]), 0.1)).toBeLessThan(1e-12);
      expect(rel(E(act, K3, [f(0, 1), f(1, 0), f(2, 0)]), E(act, K2, [f(0, 1), f(0, 0), f(1, 0)]), 0.1)).toBeLessThan(1e-12);
      expect(rel(E(act, K3, [f(0, 1), f(2, 1)]), E(act, K2, [f(0, 1), f(0, 1)]))).toBeLessThan(1e-12);
    }
  });
  it('collinear inputs: z_b = 2 z_a and z_b = −z_a', () => {
    const K = [[0.8, 1.6], [1.6, 3.2]];
    const relu = getActivation('relu');
    expect(rel(E(relu, K, [f(0, 0), f(1, 0)]), 0.8)).toBeLessThan(1e-13); // 2 E[relu²] = K
    expect(E(relu, [[0.8, -0.8], [-0.8, 0.8]], [f(0, 0), f(1, 0)])).toBe(0);
    const tanh = getActivation('tanh');
    const one = E(tanh, [[0.8]], [f(0, 0)], { order: 4 }); // 0 by symmetry
    expect(Math.abs(one)).toBeLessThan(1e-16);
    const v = E(tanh, K, [f(0, 0), f(1, 0)]);
    const ref = E(tanh, [[0.8]], [f(0, 0), f(0, 0)]) ; // not equal: check against 1-D quadrature of tanh(z)tanh(2z)
    expect(v).not.toBeCloseTo(ref, 3);
    const gh = E(getActivation('tanh(z)*tanh(2*z)'), [[0.8]], [f(0, 0)], { order: 300 });
    expect(rel(v, gh)).toBeLessThan(1e-12);
  });
  it('4 inputs of rank 2 (sin, exact)', () => {
    const dirs = [[1, 0], [0.6, 0.8], [-0.3, 1.1], [0.5, -0.2]];
    const K = dirs.map((a) => dirs.map((b) => a[0]! * b[0]! + a[1]! * b[1]!));
    const v = E(getActivation('sin'), K, [f(0, 0), f(1, 1), f(2, 0), f(3, 2)]);
    expect(Math.abs(v - sinProductExact(K, [0, 1, 2, 3], [0, 1, 0, 2]))).toBeLessThan(1e-12);
  });
});

describe('makeLayerExpectation and bad input', () => {
  it('memoises by canonical key; equals expectActivationProduct', () => {
    const act = getActivation('tanh');
    const K = [[1, 0.5, 0.2], [0.5, 1.1, 0.3], [0.2, 0.3, 0.9]];
    const L = makeLayerExpectation(act, K);
    const a = L([f(0, 1), f(2, 0), f(1, 2)]);
    expect(L([f(1, 2), f(0, 1), f(2, 0)])).toBe(a);
    expect(rel(a, E(act, K, [f(0, 1), f(1, 2), f(2, 0)]))).toBeLessThan(1e-14);
    expect(L([])).toBe(1);
  });
  it('errors', () => {
    const act = getActivation('tanh');
    const K = [[1, 0.5], [0.5, 1]];
    expect(() => E(act, K, [f(2, 0)])).toThrow(NnftInputError);
    expect(() => E(act, K, [f(0, 11)])).toThrow(/maximum derivative order/);
    expect(() => E(act, K, [f(0, -1)])).toThrow(NnftInputError);
    expect(() => E(act, [[1, 0.5], [0.4, 1]], [f(0, 0)])).toThrow(/not symmetric/);
    expect(() => E(act, [[1, 2], [2, 1]], [f(0, 0)])).toThrow(/not positive semi-definite/);
    expect(() => E(act, [[1, NaN], [NaN, 1]], [f(0, 0)])).toThrow(/not a finite number/);
    expect(() => E(act, [[1, 0.5]], [f(0, 0)])).toThrow(/not square/);
    expect(() => E(act, [] as number[][], [f(0, 0)])).toThrow(NnftInputError);
    expect(() => makeLayerExpectation(act, [[-1]])).toThrow(/positive semi-definite/);
    const I5 = Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => (i === j ? 1 : 0)));
    expect(() => E(act, I5, [0, 1, 2, 3, 4].map((i) => f(i, 0)))).toThrow(/at most 4/);
  });
});

describe('Float64Arena (scratch storage of the layer tables)', () => {
  it('hands out disjoint views, recycles them after reset, and serves requests larger than a chunk', async () => {
    const { Float64Arena } = await import('../../src/gaussian/arena.ts');
    const arena = new Float64Arena(8);
    const a = arena.alloc(5);
    const b = arena.alloc(5); // does not fit behind a: new chunk
    const c = arena.alloc(20); // larger than a chunk
    a.fill(1);
    b.fill(2);
    c.fill(3);
    expect([...a]).toEqual([1, 1, 1, 1, 1]);
    expect([...b]).toEqual([2, 2, 2, 2, 2]);
    expect(c.length).toBe(20);
    arena.reset();
    const a2 = arena.alloc(5);
    expect(a2.buffer).toBe(a.buffer); // the first chunk is reused
    expect(a2.byteOffset).toBe(a.byteOffset);
  });
  it('layer expectations with a shared, reset arena equal those with fresh storage', async () => {
    const { Float64Arena, makeLayerExpectation } = await import('../../src/gaussian/index.ts');
    const { getActivation } = await import('../../src/activations/index.ts');
    const act = getActivation('tanh');
    const arena = new Float64Arena(64);
    const fs = [[{ input: 0, order: 0 }, { input: 1, order: 0 }], [{ input: 0, order: 2 }, { input: 1, order: 1 }, { input: 1, order: 3 }], [{ input: 1, order: 0 }, { input: 1, order: 0 }]];
    for (const s of [0.3, 1, 2.5]) {
      arena.reset();
      const K = [[s, 0.4 * s], [0.4 * s, 0.8 * s]];
      const shared = makeLayerExpectation(act, K, { arena });
      const fresh = makeLayerExpectation(act, K);
      for (const f of fs) expect(shared(f)).toBe(fresh(f));
    }
  });
});
