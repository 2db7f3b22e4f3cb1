/**
 * Θ¹, A, B, D, F from the recursion solver — exact results, a published structural result, and the
 * large-depth laws at the tanh critical point. (Monte Carlo agreement: ntk-montecarlo.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { solveRecursions } from '../../recursions/index.ts';
import { NnftInputError } from '../../src/errors.ts';

const at = (t: unknown): number => ((t as number[]).flat(3) as number[])[0]!;

describe('ReLU at criticality (C_b = 0, C_W = 2, λ_b = 0, λ_W = λ), one input, K = K⁽¹⁾', () => {
  it('Θ = ℓλK/2, D = (3/2)λK²ℓ(ℓ−1), F = ½λK²ℓ(ℓ−1), A = (λ²K²/12)(ℓ−1)ℓ(7ℓ−2), B = (λ²K²/12)(ℓ−1)ℓ(2ℓ−1), Θ¹ = 0', () => {
    const lam = 0.7;
    const x = [0.8, -1.1, 0.3];
    const K = (2 / 3) * x.reduce((s, v) => s + v * v, 0);
    const res = solveRecursions({ activation: 'relu', inputs: [x], widths: new Array(12).fill(40), cb: 0, cw: 2, lambdaB: 0, lambdaW: lam, quantities: ['K', 'Theta', 'Theta1', 'A', 'B', 'D', 'F'] });
    for (const layer of res.layers) {
      const l = layer.layer;
      const exact = {
        Theta: (l * lam * K) / 2,
        D: 1.5 * lam * K * K * l * (l - 1),
        F: 0.5 * lam * K * K * l * (l - 1),
        A: ((lam * lam * K * K) / 12) * (l - 1) * l * (7 * l - 2),
        B: ((lam * lam * K * K) / 12) * (l - 1) * l * (2 * l - 1),
      };
      for (const [q, v] of Object.entries(exact)) {
        const got = at(layer[q as keyof typeof exact]);
        if (v === 0) expect(got, `${q} layer ${l}`).toBe(0);
        else expect(Math.abs(got - v) / v, `${q} layer ${l}`).toBeLessThan(1e-12);
      }
      expect(Math.abs(at(layer.Theta1)), `Θ¹ layer ${l}`).toBeLessThan(1e-12 * K * l);
    }
  });
});

describe('scale-invariant activations without biases (arXiv 2508.11522)', () => {
  // σ(λz) = λσ(z) and no bias: the diagonal mean-NTK correction vanishes at every depth, off-diagonal ones do not.
  const inputs = [
    [0.8, -1.1],
    [0.3, 0.9],
    [-1, -0.2],
  ];
  for (const [act, cw] of [
    ['relu', 2],
    ['leaky_relu(0.1)', 1.5],
    ['leaky_relu(-0.3)', 1.1],
  ] as [string, number][]) {
    it(`${act}: Θ¹(x, x) = 0 at every depth, Θ¹(x, y) ≠ 0 from layer 3 on`, () => {
      const res = solveRecursions({ activation: act, inputs, widths: [16, 32, 16, 64, 16, 16], cb: 0, cw, lambdaB: 0, lambdaW: 1.3, quantities: ['Theta', 'Theta1'] });
      for (const layer of res.layers) {
        const T1 = layer.Theta1!;
        const T = layer.Theta!;
        for (let a = 0; a < 3; a++) expect(Math.abs(T1[a]![a]!) / T[a]![a]!, `diag layer ${layer.layer}`).toBeLessThan(1e-12);
        if (layer.layer >= 3) {
          for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) expect(Math.abs(T1[a]![b]!) / T[a]![b]!, `off-diag layer ${layer.layer}`).toBeGreaterThan(1e-3);
        }
      }
    });
  }
  it('with biases the diagonal correction vanishes too (z ↦ −z symmetry), the off-diagonal one does not', () => {
    // E[z²] and E[Θ̂(x,x)] obey the infinite-width maps exactly for a kink at 0: E[θ(z) X] = ½E[X] for X even in z.
    const res = solveRecursions({ activation: 'relu', inputs, widths: [16, 16, 16, 16], cb: 0.2, cw: 2, lambdaB: 1, lambdaW: 1, quantities: ['Theta1', 'K1'] });
    const last = res.layers[3]!;
    for (let a = 0; a < 3; a++) {
      expect(Math.abs(last.Theta1![a]![a]!)).toBeLessThan(1e-12);
      expect(Math.abs(last.K1![a]![a]!)).toBeLessThan(1e-12);
    }
    expect(Math.abs(last.Theta1![0]![1]!)).toBeGreaterThan(1e-3);
  });
});

describe('tanh at criticality (C_b = 0, C_W = 1, λ_b = λ_W = 1): large-depth laws', () => {
  // Observed with this solver (one input x = 1, so K⁽¹⁾ = 1; m = 1):
  //   ℓ      D/(KΘℓ)   F/(KΘℓ)   A/(Θ²ℓ)   B/(Θ²ℓ)   K¹/(Kℓ)   Θ¹/(Θℓ)
  //   100    −0.16049  0.19340   0.06264   0.19488   −0.30990  0.02893
  //   1000   −0.16588  0.19914   0.06619   0.19929   −0.33053  0.03278
  //   2000   −0.16625  0.19954   0.06642   0.19962   −0.33188  0.03305
  //   8000   −0.16655  0.19987   0.06660   0.19989   −0.33294  0.03326
  // Limits −1/6, 1/5, 1/15, 1/5, −1/3, 1/30 (and Θ/ℓ → 1/2, K·ℓ → 1/2). The distance to the limit falls like
  // ~1/ℓ up to logs: it halves (factor 1.8–2.0) from ℓ = 1000 to 2000 and again to 4000.
  const LIMITS = { D: -1 / 6, F: 1 / 5, A: 1 / 15, B: 1 / 5, K1: -1 / 3, Theta1: 1 / 30 } as const;
  it('D/(KΘℓ) → −1/6, F/(KΘℓ) → 1/5, A/(Θ²ℓ) → 1/15, B/(Θ²ℓ) → 1/5, K¹/(Kℓ) → −1/3, Θ¹/(Θℓ) → 1/30', () => {
    const L = 2000;
    const res = solveRecursions({ activation: 'tanh', inputs: [[1]], widths: new Array(L).fill(100), cb: 0, cw: 1, lambdaB: 1, lambdaW: 1, quantities: ['K', 'Theta', 'K1', 'Theta1', 'A', 'B', 'D', 'F'] });
    const ratios = (l: number): Record<keyof typeof LIMITS, number> => {
      const x = res.layers[l - 1]!;
      const K = at(x.K);
      const T = at(x.Theta);
      return { D: at(x.D) / (K * T * l), F: at(x.F) / (K * T * l), A: at(x.A) / (T * T * l), B: at(x.B) / (T * T * l), K1: at(x.K1) / (K * l), Theta1: at(x.Theta1) / (T * l) };
    };
    const r1000 = ratios(1000);
    const r2000 = ratios(2000);
    for (const q of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
      const lim = LIMITS[q];
      const d1 = Math.abs(r1000[q] - lim);
      const d2 = Math.abs(r2000[q] - lim);
      expect(d2 / Math.abs(lim), `${q} at ℓ = 2000`).toBeLessThan(0.01);
      expect(d1 / d2, `${q}: distance halves from ℓ = 1000 to 2000`).toBeGreaterThan(1.6);
      expect(d1 / d2, `${q}: distance halves from ℓ = 1000 to 2000`).toBeLessThan(2.4);
      // approached monotonically from one side
      expect(Math.sign(r1000[q] - lim)).toBe(Math.sign(r2000[q] - lim));
    }
    const x = res.layers[L - 1]!;
    expect(Math.abs(at(x.Theta) / L - 0.5)).toBeLessThan(0.005);
  });
});

describe('inputs', () => {
  it('Θ¹ with λ_b, λ_W omitted uses the documented defaults λ_b = λ_W = 1', () => {
    const base = { activation: 'tanh', inputs: [[1, 0.5]], widths: [8, 8, 8], cb: 0.1, cw: 1.2, quantities: ['Theta', 'Theta1'] as ('Theta' | 'Theta1')[] };
    const a = solveRecursions(base);
    const b = solveRecursions({ ...base, lambdaB: 1, lambdaW: 1 });
    expect(a).toEqual(b);
  });
  it('inconsistent per-layer arrays are rejected', () => {
    const base = { activation: 'tanh', inputs: [[1, 0.5]], widths: [8, 8, 8], quantities: ['Theta1'] as 'Theta1'[] };
    expect(() => solveRecursions({ ...base, lambdaW: [1, 1] })).toThrow(NnftInputError);
    expect(() => solveRecursions({ ...base, cw: [1, 1, 1, 1] })).toThrow(NnftInputError);
    expect(() => solveRecursions({ ...base, lambdaB: [-1, 1, 1] })).toThrow(NnftInputError);
  });
  it('per-layer hyperparameters are used layer by layer', () => {
    const res = solveRecursions({ activation: 'relu', inputs: [[1, 1]], widths: [4, 4, 4], cb: [0, 0.5, 0], cw: [2, 2, 3], lambdaB: [0, 1, 0], lambdaW: [1, 2, 1], quantities: ['K', 'Theta'] });
    // K1 = 2·1 = 2; K2 = 0.5 + 2·K1/2 = 2.5; K3 = 3·K2/2 = 3.75
    const k = res.layers.map((l) => l.K![0]![0]!);
    [2, 2.5, 3.75].forEach((v, i) => expect(k[i]).toBeCloseTo(v, 12));
    // Θ1 = 1·1 = 1; Θ2 = 1 + 2·1 + 2·½·1 = 4; Θ3 = 0 + 1·1.25 + 3·½·4 = 7.25
    const th = res.layers.map((l) => l.Theta![0]![0]!);
    [1, 4, 7.25].forEach((v, i) => expect(th[i]).toBeCloseTo(v, 12));
  });
});
