/**
 * Two-input closed forms of src/gaussian/pair.ts and the three-/four-input Stein recursion of piecewise.ts, with the
 * emphasis on nearly collinear and exactly collinear inputs.
 *
 * Oracle: test/gaussian/pair_oracle.py (Hermite weights instead of δ-functions, polar quadrature in 30-digit mpmath;
 * no shared code). Its error at the angles used (sin ψ ≥ 1e-2) is below 1e-20; nnft's is a few ulp of the largest
 * template term (pair.ts), ~50 alternating terms for a fourth derivative: 1e-11 relative (floor 1e-3 of the kernel
 * scale for values that vanish) is 5× the worst case measured (2e-12, ⟨∂_a⁴ θθ⟩ at sin ψ = 0.01).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getActivation } from '../../src/activations/index.ts';
import { expectActivationProduct as E } from '../../src/gaussian/index.ts';
import { makeLayerExpectations } from '../../src/gaussian/groups.ts';
import { adaptedComponent, pairExpectation, pairGeometry, type PairAtom } from '../../src/gaussian/pair.ts';
import { expectPl, type PlFactor } from '../../src/gaussian/piecewise.ts';
import { NnftInputError } from '../../src/errors.ts';

const here = dirname(fileURLToPath(import.meta.url));
type Atoms = [number, PairAtom][];
const sigma = (sn: number, sp: number): Atoms => [[sn, { kind: 0, k: 1 }], [sp - sn, { kind: 1, k: 1 }]];
const step = (sn: number, sp: number): Atoms => [[sn, { kind: 0, k: 0 }], [sp - sn, { kind: 1, k: 0 }]];
/** 2×2 kernel with variances va, vb and angle ψ (sin ψ = S). */
const kernel = (va: number, vb: number, S: number, sign = 1): [number, number, number] => [va, sign * Math.sqrt(1 - S * S) * Math.sqrt(va * vb), vb];

describe('two-input expectations ⟨∂_a^i ∂_b^j f(z_a) g(z_b)⟩ against the polar-quadrature oracle', () => {
  it('f, g ∈ {σ, σ′}, i + j ≤ 4, ReLU and leaky ReLU, angles from 80° to 0.6°, either sign of ρ (1e-11)', { timeout: 120_000 }, () => {
    const cases: { K: number[][]; f: number; g: number; i: number; j: number; sneg: number; spos: number }[] = [];
    const mine: number[] = [];
    const kernels = [kernel(1.3, 0.9, 0.98), kernel(0.8, 1.7, 0.2, -1), kernel(1.1, 1.05, 0.01), kernel(2, 0.5, 0.03, -1)];
    for (const [sn, sp] of [[0, 1], [0.1, 1]] as const) {
      for (const [a, b, c] of sn === 0 ? kernels : kernels.slice(1, 3)) {
        for (const [fo, go] of [[0, 0], [1, 1], [1, 0]] as const) {
          for (const [i, j] of [[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2], [4, 0], [3, 1], [2, 2], [1, 3], [0, 4]] as const) {
            cases.push({ K: [[a, b], [b, c]], f: fo, g: go, i, j, sneg: sn, spos: sp });
            mine.push(pairExpectation(fo ? step(sn, sp) : sigma(sn, sp), go ? step(sn, sp) : sigma(sn, sp), i, j, a, b, c));
          }
        }
      }
    }
    const ref = JSON.parse(execFileSync('python3', [join(here, 'pair_oracle.py')], { input: JSON.stringify(cases), maxBuffer: 1 << 24 }).toString()) as number[];
    cases.forEach((c, n) => {
      const scale = Math.max(Math.abs(ref[n]!), 1e-3 * Math.max(c.K[0]![0]!, c.K[1]![1]!));
      expect(Math.abs(mine[n]! - ref[n]!) / scale, JSON.stringify(c)).toBeLessThan(1e-11);
    });
  });
});

describe('nearly collinear pairs: growth, projection, collinear limit', () => {
  const th = step(0, 1);
  const sg = sigma(0, 1);
  it('only the documented adapted components grow as S → 0 (θθ: (0,2),(2,2),(1,3) ~ S⁻¹, (0,4) ~ S⁻³; σσ: (0,4) ~ S⁻¹)', () => {
    const growth = (f: Atoms, g: Atoms, d: number, q: number): number => {
      const at = (S: number) => adaptedComponent(f, g, d, q, pairGeometry(...kernel(1.2, 1, S))).value;
      return Math.log10(Math.abs(at(1e-4) / at(1e-3)));
    };
    const expected: [Atoms, Atoms, number, number, number][] = [
      [th, th, 2, 2, 1], [th, th, 4, 2, 1], [th, th, 4, 3, 1], [th, th, 4, 4, 3], [th, th, 2, 1, -1], [th, th, 2, 0, -1], [th, th, 4, 0, -1],
      [sg, sg, 4, 4, 1], [sg, sg, 2, 2, -1], [sg, sg, 4, 3, -1], [sg, sg, 2, 0, 0],
    ];
    for (const [f, g, d, q, k] of expected) expect(growth(f, g, d, q), `d=${d} q=${q}`).toBeCloseTo(k, 1);
  });
  it('contraction mode equals exact mode while every component is resolved, stays bounded below, and tends to its S = 0 value', () => {
    for (const [f, g] of [[th, th], [sg, sg], [sg, th]] as const) {
      for (const [i, j] of [[4, 0], [3, 1], [2, 2], [1, 3], [0, 4], [2, 0], [1, 1], [0, 2]] as const) {
        const val = (S: number, mode: 'exact' | 'contraction') => pairExpectation(f, g, i, j, ...kernel(1.1, 1.3, S), mode);
        // all weights are 1 where S^{q_e} ≥ 1e-14 (q = 4: S ≥ 4.6e-4 with q_e = 4.2; q = 2, 3: S ≥ 2.2e-5)
        for (const S of [0.5, 1e-2, 1e-3]) expect(val(S, 'contraction')).toBe(val(S, 'exact'));
        const lim = val(0, 'contraction');
        expect(Number.isFinite(lim)).toBe(true);
        let prev = val(1e-3, 'contraction');
        for (const S of [1e-4, 1e-5, 1e-6, 1e-8, 1e-12]) {
          const v = val(S, 'contraction');
          // bounded: the kept components grow at most like S⁻¹ and only while S^q ≥ 1e-15 (q = 2: S ≥ 3e-8)
          expect(Math.abs(v), `${i},${j} S=${S}`).toBeLessThan(1e8);
          prev = v;
        }
        expect(Math.abs(prev - lim), `${i},${j}`).toBeLessThan(1e-9);
      }
    }
  });
  it('S = 0 (identical and collinear inputs) equals the merged one-input expectation; exact mode refuses a divergent δ-product there', () => {
    const relu = getActivation('relu');
    const v = 1.7;
    for (const c of [1, 2.5]) {
      const K = [[v, c * v], [c * v, c * c * v]];
      // ⟨σ_a σ_b⟩ = c ⟨σ²⟩, ⟨σ'_a σ'_b⟩ = ⟨σ'⟩ = ½, ⟨σ_a σ'_b⟩ = ⟨σσ'⟩ (positive homogeneity)
      expect(E(relu, K, [{ input: 0, order: 0 }, { input: 1, order: 0 }])).toBeCloseTo(c * v / 2, 14);
      expect(E(relu, K, [{ input: 0, order: 1 }, { input: 1, order: 1 }])).toBe(0.5);
      expect(E(relu, K, [{ input: 0, order: 0 }, { input: 1, order: 1 }])).toBeCloseTo(Math.sqrt(v / (2 * Math.PI)), 14);
      // grouped second derivatives at S = 0: every component of ⟨∂∂ σ_aσ_b⟩ is bounded, so the contraction form is the
      // exact value: ⟨δ(z_a) σ(c z_a)⟩ = 0, ⟨θ(z_a) θ(c z_a)⟩ = ½, ⟨σ(z_a) c² δ(c z_a)⟩ = 0
      const ex = makeLayerExpectations(relu, K);
      const g2 = (da: number, db: number): number => ex.expectGroups([{ input: 0, orders: [0], deriv: da }, { input: 1, orders: [0], deriv: db }]);
      expect(g2(2, 0)).toBeCloseTo(0, 14);
      expect(g2(1, 1)).toBeCloseTo(0.5, 14);
      expect(g2(0, 2)).toBeCloseTo(0, 14);
      // fourth derivatives of σ'σ': the (0,4) component diverges like S⁻³ and is dropped at S = 0, the rest is finite
      const g4 = (da: number, db: number): number => ex.expectGroups([{ input: 0, orders: [1], deriv: da }, { input: 1, orders: [1], deriv: db }]);
      for (const [da, db] of [[4, 0], [3, 1], [2, 2], [1, 3], [0, 4]] as const) expect(Number.isFinite(g4(da, db))).toBe(true);
    }
    expect(() => E(relu, [[1, 1], [1, 1]], [{ input: 0, order: 2 }, { input: 1, order: 2 }])).toThrow(NnftInputError);
    expect(() => E(relu, [[1, 1], [1, 1]], [{ input: 0, order: 2 }, { input: 1, order: 2 }])).toThrow(/identical or collinear/);
  });
});

describe('three and four inputs with a nearly collinear pair (Stein recursion in double-double)', () => {
  const zt: PlFactor = { p: 1, ind: 1, dj: -1 };
  const th: PlFactor = { p: 0, ind: 1, dj: -1 };
  const one: PlFactor = { p: 0, ind: 0, dj: -1 };
  /** x1 is x0 moved by ε along a fixed direction; x2, x3 generic */
  const K = (eps: number, n: number): number[][] => {
    const X = [[1, 0.5, -0.3], [1, 0.5 + eps, -0.3 - 0.5 * eps], [0.2, 1, 0.4], [-0.5, 0.3, 1]].slice(0, n);
    return X.map((a) => X.map((b) => a.reduce((s, v, i) => s + v * b[i]!, 0)));
  };
  const patterns: [string, PlFactor[]][] = [
    ['σσσσ', [zt, zt, zt, zt]], ["σ'σ'σσ", [th, th, zt, zt]], ["σσσ'σ'", [zt, zt, th, th]], ["σ'σσ'σ", [th, zt, th, zt]], ["σ'σ'σ'σ'", [th, th, th, th]],
    ['σσσ', [zt, zt, zt]], ["σ'σ'σ", [th, th, zt]],
  ];
  it('converge at rate O(ε) to the value with the pair merged (ε = 1e-1 … 1e-12; was off by 6% at ε = 1e-4 and 1e-6)', () => {
    for (const [name, F] of patterns) {
      const n = F.length;
      // merged: z_1 ≡ z_0 at ε = 0, so f_0(z_0) f_1(z_0) = one atom z^{p0+p1} θ
      const merged: PlFactor[] = [{ p: F[0]!.p + F[1]!.p, ind: (F[0]!.ind | F[1]!.ind) as 0 | 1, dj: -1 }, one, ...F.slice(2)];
      const e0 = expectPl(merged, K(0, n), 1);
      expect(Math.abs(expectPl(F, K(0, n), 1) - e0) / Math.abs(e0), name).toBeLessThan(1e-9); // τ-regularisation, √τ ≈ 3e-11
      const slope = Math.abs(expectPl(F, K(1e-2, n), 1) - e0) / 1e-2;
      for (const eps of [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10, 1e-12]) {
        const v = expectPl(F, K(eps, n), 1);
        // O(ε) with the constant measured at ε = 1e-2 (×2), plus the resolution of K's rounding (~1e-8 in the angle)
        expect(Math.abs(v - e0), `${name} ε=${eps}`).toBeLessThan(2 * slope * eps + 1e-8 * Math.abs(e0));
      }
    }
  });
  it('agree with the previous implementation (conditioning + Euler form) at generic angles', () => {
    // reference values from the former src/gaussian/piecewise.ts at ε = 1e-1, K(ε, 4) (identical to 1e-12 there)
    const ref: Record<string, number> = { 'σσσσ': 0.184875015092, "σ'σ'σσ": 0.180551858171, "σσσ'σ'": 0.144192361503, "σ'σσ'σ": 0.0820760790363, "σ'σ'σ'σ'": 0.158786847509 };
    for (const [name, F] of patterns.slice(0, 5)) expect(expectPl(F, K(0.1, 4), 1), name).toBeCloseTo(ref[name]!, 11);
  });
});
