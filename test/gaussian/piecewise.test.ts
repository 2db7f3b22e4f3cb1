import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getActivation } from '../../src/activations/index.ts';
import { expectActivationProduct as E, makeLayerExpectation, orthant } from '../../src/gaussian/index.ts';
import type { DerivFactor } from '../../src/gaussian/types.ts';
import { NnftInputError } from '../../src/errors.ts';

const f = (input: number, order: number): DerivFactor => ({ input, order });
const rel = (a: number, b: number, floor = 0) => Math.abs(a - b) / Math.max(Math.abs(b), floor);
const relu = getActivation('relu');
const k2 = (v1: number, v2: number, rho: number) => [[v1, rho * Math.sqrt(v1 * v2)], [rho * Math.sqrt(v1 * v2), v2]];

/** Cho & Saul arc-cosine kernels */
function arccos0(K: number[][]) {
  const rho = Math.max(-1, Math.min(1, K[0]![1]! / Math.sqrt(K[0]![0]! * K[1]![1]!)));
  return 0.25 + Math.asin(rho) / (2 * Math.PI);
}
function arccos1(K: number[][]) {
  const s = Math.sqrt(K[0]![0]! * K[1]![1]!);
  const rho = Math.max(-1, Math.min(1, K[0]![1]! / s));
  const th = Math.acos(rho);
  return (s / (2 * Math.PI)) * (Math.sin(th) + (Math.PI - th) * Math.cos(th));
}

describe('ReLU family: exact reductions, no quadrature of kinks', () => {
  it('arc-cosine kernels ⟨relu relu⟩, ⟨step step⟩ to 1e-12 (random K, including |ρ| → 1)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        // (|ρ| within 1e-13 of 1 counts as exactly collinear: a documented ~1e-7 effect on ⟨step step⟩ there)
        fc.oneof(fc.double({ min: -1 + 1e-11, max: 1 - 1e-11, noNaN: true }), fc.constantFrom(-1, 1, 0, 1 - 1e-11, -1 + 1e-9)),
        (v1, v2, rho) => {
          const K = k2(v1, v2, rho);
          // conditioning: asin′(ρ) = 1/√(1−ρ²) amplifies the rounding of ρ itself near |ρ| = 1
          const cond = 4e-16 / Math.sqrt(Math.max(1e-300, 1 - rho * rho));
          expect(rel(E(relu, K, [f(0, 0), f(1, 0)]), arccos1(K), 0.05 * Math.sqrt(v1 * v2))).toBeLessThan(1e-12 + cond);
          expect(rel(E(relu, K, [f(0, 1), f(1, 1)]), arccos0(K), 0.05)).toBeLessThan(1e-12 + cond);
          expect(rel(E(relu, K, [f(0, 0), f(0, 0)]), v1 / 2)).toBeLessThan(1e-14);
        },
      ),
      { numRuns: 200, seed: 1 },
    );
  });
  it('leaky ReLU: σ = a z + (1−a) relu(z) gives a²K12 + a(1−a)K12 + (1−a)² k1', () => {
    for (const a of [0.01, 0.2, -0.5]) {
      const act = getActivation({ name: 'leaky_relu', params: { slope: a } });
      const K = k2(1.7, 0.6, -0.35);
      const K12 = K[0]![1]!;
      const ex = a * a * K12 + a * (1 - a) * K12 + (1 - a) ** 2 * arccos1(K);
      expect(rel(E(act, K, [f(0, 0), f(1, 0)]), ex)).toBeLessThan(1e-13);
      expect(rel(E(act, K, [f(0, 1), f(1, 1)]), a * a + 2 * a * (1 - a) * 0.5 + (1 - a) ** 2 * arccos0(K))).toBeLessThan(1e-13);
    }
  });

  const K = [[1.3, 0.7], [0.7, 0.9]];
  const p0 = 1 / Math.sqrt(2 * Math.PI * 1.3);
  const r = 0.7 / 1.3;
  const cv = 0.9 - 0.49 / 1.3;
  // hand-derived: E[δ^(j)(z1) G(z2)] = (−1)^j d^j/dt^j [p1(t) E[G | z1 = t]] at t = 0
  const cases: [string, DerivFactor[], number][] = [
    ['δ(z1) relu(z2)', [f(0, 2), f(1, 0)], p0 * Math.sqrt(cv / (2 * Math.PI))],
    ["δ'(z1) relu(z2)", [f(0, 3), f(1, 0)], (-p0 * r) / 2],
    ["δ''(z1) relu(z2)", [f(0, 4), f(1, 0)], (-p0 / 1.3) * Math.sqrt(cv / (2 * Math.PI)) + (p0 * r * r) / Math.sqrt(2 * Math.PI * cv)],
    ['δ(z1) δ(z2)', [f(0, 2), f(1, 2)], 1 / (2 * Math.PI * Math.sqrt(1.3 * 0.9 - 0.49))],
    ['δ(z1) step(z2)', [f(0, 2), f(1, 1)], p0 / 2],
  ];
  it('δ, δ′, δ″ reductions against hand-derived closed forms', () => {
    for (const [, F, ex] of cases) expect(rel(E(relu, K, F), ex)).toBeLessThan(1e-14);
    // leaky: the jump is 1 − a
    const lk = getActivation('leaky_relu(0.3)');
    expect(rel(E(lk, K, [f(0, 2), f(1, 2)]), 0.49 * cases[3]![2])).toBeLessThan(1e-14);
  });
  it('δ reductions agree with smooth approximations relu_ε = ε·log(1 + e^{z/ε}) (Richardson in ε)', () => {
    for (const [name, F, ex] of [cases[0]!, cases[1]!, cases[3]!]) {
      const sm = [0.1, 0.05].map((eps) => E(getActivation(`${eps}*log(1+exp(z/${eps}))`), K, F));
      const extrap = (4 * sm[1]! - sm[0]!) / 3;
      expect(rel(extrap, ex), name).toBeLessThan(3e-3);
      expect(rel(sm[1]!, ex), name).toBeGreaterThan(rel(extrap, ex)); // the ε → 0 limit is approached
    }
  });
  it('1-D Hermite identity ⟨(σ²)″⟩ = ⟨σ²(z² − K)⟩/K² = 1 + a² (docs/equations.md)', () => {
    for (const a of [0, 0.1, 0.5]) {
      const act = getActivation({ name: 'leaky_relu', params: { slope: a } });
      for (const v of [0.3, 2.2]) {
        const L = makeLayerExpectation(act, [[v]]);
        const lhs = 2 * L([f(0, 1), f(0, 1)]) + 2 * L([f(0, 0), f(0, 2)]);
        expect(rel(lhs, 1 + a * a)).toBeLessThan(1e-14);
      }
    }
  });
  it('undefined products (δ² at one point, δ on a zero-variance coordinate) → NnftInputError', () => {
    expect(() => E(relu, [[1]], [f(0, 2), f(0, 2)])).toThrow(NnftInputError);
    expect(() => E(relu, [[1]], [f(0, 1), f(0, 3)])).toThrow(/undefined/);
    expect(() => E(relu, [[1, 1], [1, 1]], [f(0, 2), f(1, 2)])).toThrow(/identical or collinear/);
    expect(() => E(relu, [[0]], [f(0, 2)])).toThrow(NnftInputError);
    // well-defined ones at one point
    expect(E(relu, [[2]], [f(0, 0), f(0, 2)])).toBe(0); // z θ δ = 0
    expect(rel(E(relu, [[2]], [f(0, 1), f(0, 2)]), 0.5 / Math.sqrt(4 * Math.PI))).toBeLessThan(1e-15); // θδ = ½δ
    expect(E(relu, [[0, 0], [0, 1]], [f(0, 0), f(1, 0)])).toBe(0);
  });
});

describe('orthant probabilities and 3-D / 4-D ReLU', () => {
  it('closed forms: ρ = 0, equicorrelated ρ = ½ (1/(n+1)), singular simplex (0)', () => {
    const eq = (n: number, rho: number) => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : rho)));
    for (const n of [1, 2, 3, 4]) {
      expect(Math.abs(orthant(eq(n, 0)) - 1 / 2 ** n)).toBeLessThan(1e-15);
      expect(Math.abs(orthant(eq(n, 0.5)) - 1 / (n + 1))).toBeLessThan(1e-14);
    }
    expect(Math.abs(orthant(eq(4, -1 / 3)))).toBeLessThan(1e-13); // Σz = 0
    // exactly singular: the isotropic regularisation τ = 1e-21 of piecewise.ts moves angles by √τ ≈ 3e-11
    expect(Math.abs(orthant(eq(4, 1)) - 0.5)).toBeLessThan(1e-10);
  });
  it('4-D: the 16 sign orthants sum to 1 and the value is independent of the coordinate order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 16, maxLength: 16 }), (a) => {
        const A = [0, 1, 2, 3].map((i) => a.slice(4 * i, 4 * i + 4));
        const C = A.map((x) => A.map((y) => x.reduce((s, xi, k) => s + xi * y[k]!, 0) + 0));
        if (C.some((row, i) => row[i]! < 1e-3)) return;
        let total = 0;
        for (let m = 0; m < 16; m++) {
          const s = [0, 1, 2, 3].map((i) => ((m >> i) & 1 ? -1 : 1));
          total += orthant(C.map((row, i) => row.map((v, j) => v * s[i]! * s[j]!)));
        }
        expect(Math.abs(total - 1)).toBeLessThan(1e-12);
        const P = [2, 0, 3, 1];
        expect(Math.abs(orthant(C) - orthant(P.map((i) => P.map((j) => C[i]![j]!))))).toBeLessThan(1e-13);
      }),
      { numRuns: 30, seed: 9 },
    );
  });
  it('⟨relu relu relu relu⟩ for 4 inputs of rank 2 equals the exact angular integral', () => {
    const ang = [0.1, 0.5, 0.9, 1.4];
    const sc = [1.2, 0.7, 1.5, 0.9];
    const dirs = ang.map((t, i) => [sc[i]! * Math.cos(t), sc[i]! * Math.sin(t)]);
    const K = dirs.map((x) => dirs.map((y) => x[0]! * y[0]! + x[1]! * y[1]!));
    // E[Π relu] = Π s_a · E[r⁴]/(2π) ∫_{arc} Π cos(φ − φ_a) dφ, E[r⁴] = 8, arc = [max φ_a − π/2, min φ_a + π/2]
    const lo = Math.max(...ang) - Math.PI / 2;
    const hi = Math.min(...ang) + Math.PI / 2;
    let integral = 0;
    const n = 2000; // Simpson on a smooth integrand
    for (let i = 0; i <= n; i++) {
      const phi = lo + ((hi - lo) * i) / n;
      const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
      integral += w * ang.reduce((p, t) => p * Math.cos(phi - t), 1);
    }
    integral *= (hi - lo) / (3 * n);
    const exact = (sc.reduce((p, s) => p * s, 1) * 8 * integral) / (2 * Math.PI);
    expect(rel(E(relu, K, [0, 1, 2, 3].map((i) => f(i, 0))), exact)).toBeLessThan(1e-12);
  });
  it('full-rank 4-D: Price’s theorem ∂/∂K12 ⟨Π relu⟩ = ⟨step step relu relu⟩, and Monte Carlo', () => {
    const K = [[1.0, 0.3, 0.2, 0.5], [0.3, 1.2, 0.4, 0.1], [0.2, 0.4, 0.8, 0.3], [0.5, 0.1, 0.3, 1.1]];
    const F = [0, 1, 2, 3].map((i) => f(i, 0));
    const at = (d: number) => E(relu, K.map((row, i) => row.map((v, j) => v + ((i === 0 && j === 1) || (i === 1 && j === 0) ? d : 0))), F);
    const h = 1e-3;
    const fd = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
    const price = E(relu, K, [f(0, 1), f(1, 1), f(2, 0), f(3, 0)]);
    expect(rel(fd, price)).toBeLessThan(1e-9);
    // second order: ∂²/∂K12∂K34 = ⟨step⁴⟩ = orthant probability
    expect(rel(E(relu, K, [0, 1, 2, 3].map((i) => f(i, 1))), orthant(K))).toBeLessThan(1e-15);
    // Monte Carlo sanity check (seeded, 4e5 samples, 5σ)
    let seed = 12345; // mulberry32
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
    };
    const Lc = [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]];
    for (let i = 0; i < 4; i++) for (let j = 0; j <= i; j++) {
      let s = K[i]![j]!;
      for (let k = 0; k < j; k++) s -= Lc[i]![k]! * Lc[j]![k]!;
      Lc[i]![j] = i === j ? Math.sqrt(s) : s / Lc[j]![j]!;
    }
    let sum = 0;
    let sum2 = 0;
    const N = 400000;
    const g = [0, 0, 0, 0];
    for (let t = 0; t < N; t++) {
      for (let k = 0; k < 4; k += 2) {
        const r = Math.sqrt(-2 * Math.log(rnd()));
        const a = 2 * Math.PI * rnd();
        g[k] = r * Math.cos(a);
        g[k + 1] = r * Math.sin(a);
      }
      let p = 1;
      for (let i = 0; i < 4; i++) {
        let z = 0;
        for (let k = 0; k <= i; k++) z += Lc[i]![k]! * g[k]!;
        p *= z > 0 ? z : 0;
      }
      sum += p;
      sum2 += p * p;
    }
    const mean = sum / N;
    const se = Math.sqrt((sum2 / N - mean * mean) / N);
    expect(Math.abs(E(relu, K, F) - mean)).toBeLessThan(5 * se);
  });
  it('3-D: ⟨relu relu relu⟩ vanishing odd structure and ⟨step step step⟩ = ⅛ + Σ asin ρ /4π', () => {
    const K = [[1, 0.3, -0.2], [0.3, 1.5, 0.4], [-0.2, 0.4, 0.7]];
    const rho = (i: number, j: number) => K[i]![j]! / Math.sqrt(K[i]![i]! * K[j]![j]!);
    const ex = 0.125 + (Math.asin(rho(0, 1)) + Math.asin(rho(0, 2)) + Math.asin(rho(1, 2))) / (4 * Math.PI);
    expect(rel(E(relu, K, [f(0, 1), f(1, 1), f(2, 1)]), ex)).toBeLessThan(1e-15);
    // ⟨relu_a relu_b relu_c⟩ with c = a duplicate equals ⟨relu_a² relu_b⟩
    const K3 = [[1, 0.3, 1], [0.3, 1.5, 0.3], [1, 0.3, 1]];
    expect(rel(E(relu, K3, [f(0, 0), f(1, 0), f(2, 0)]), E(relu, K3, [f(0, 0), f(0, 0), f(1, 0)]))).toBeLessThan(1e-14);
  });
});
