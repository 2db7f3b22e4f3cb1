// Inputs on the same ray (x_b = c·x_a, c > 0) with ReLU and C_b = 0: K is singular along z_b = c z_a at every
// depth and single IBP terms δ(z_a)δ(z_b) diverge; the solver uses exact homogeneity instead
// (recursions/index.ts solveCollinearByHomogeneity). Checked against the single-input closed forms of
// DESIGN §8 / issue 9 (ReLU criticality), which follow from homogeneity independently of the solver.
import { describe, expect, it } from 'vitest';
import { solveRecursions } from '../../recursions/index.ts';
import { NnftInputError } from '../../src/errors.ts';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

describe('collinear inputs, ReLU, C_b = 0', () => {
  const x = [1, 0.5];
  const c = 2;
  const inputs = [x, x.map((v) => c * v), [-0.3, 0.8]];
  const L = 6;
  const lam = 1.3;
  const res = solveRecursions({
    activation: 'relu', inputs, widths: new Array(L).fill(32), cb: 0, cw: 2, lambdaB: 0, lambdaW: lam,
    quantities: ['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'],
  });
  const K0 = 2 * (x[0] ** 2 + x[1] ** 2) / 2; // K⁽¹⁾ = C_W x·x / n0, constant in depth at criticality
  const s = [1, c];
  it('matches the single-input closed forms rescaled by the input norms (1e-10)', () => {
    for (let l = 1; l <= L; l++) {
      const layer = res.layers[l - 1] as Required<(typeof res.layers)[number]>;
      for (const a of [0, 1]) for (const b of [0, 1]) {
        const sab = s[a] * s[b];
        expect(rel(layer.K[a][b], sab * K0)).toBeLessThan(1e-10);
        expect(Math.abs(layer.K1![a][b])).toBeLessThan(1e-10 * K0);
        expect(Math.abs(layer.Theta1![a][b])).toBeLessThan(1e-10 * K0);
        expect(rel(layer.Theta![a][b], sab * (l * lam * K0) / 2)).toBeLessThan(1e-10);
        const s4 = sab * sab;
        if (l > 1) {
          expect(rel(layer.V4![a][b][a][b], s4 * 5 * (l - 1) * K0 ** 2)).toBeLessThan(1e-10);
          expect(rel(layer.D![a][b][a][b], s4 * 1.5 * lam * K0 ** 2 * l * (l - 1))).toBeLessThan(1e-10);
          expect(rel(layer.F![a][b][a][b], s4 * 0.5 * lam * K0 ** 2 * l * (l - 1))).toBeLessThan(1e-10);
          expect(rel(layer.A![a][b][a][b], s4 * (lam ** 2 * K0 ** 2 / 12) * (l - 1) * l * (7 * l - 2))).toBeLessThan(1e-10);
          expect(rel(layer.B![a][b][a][b], s4 * (lam ** 2 * K0 ** 2 / 12) * (l - 1) * l * (2 * l - 1))).toBeLessThan(1e-10);
        }
      }
      for (const q of ['K', 'V4', 'K1', 'A'] as const) expect(JSON.stringify(layer[q])).not.toContain('null');
    }
  });
  it('λ_b ≠ 0: K, V4, K¹ by homogeneity, Θ directly (no divergent terms), Θ¹/A/D refused with a clear error', () => {
    const r2 = solveRecursions({ activation: 'relu', inputs: [[1], [2]], widths: [8, 8, 8, 8], cb: 0, cw: 2, lambdaB: 1, lambdaW: 1 });
    const l4 = r2.layers[3];
    // On one ray ⟨σ_aσ_b⟩ = K_ab/2 = x_a x_b and ⟨σ′σ′⟩ = 1/2, so Θ⁽ℓ⁺¹⁾ = λ_b + λ_W x_a x_b + Θ⁽ℓ⁾: Θ_ab = ℓ(λ_b + λ_W x_a x_b); V = s_a s_b s_c s_d·5(ℓ−1)K², K = C_W x² = 2
    expect(rel(l4.Theta![0][1], 4 * 1 + 4 * 2)).toBeLessThan(1e-12);
    expect(rel(l4.V4![0][1][0][1], (1 * 2) ** 2 * 5 * 3 * 2 ** 2)).toBeLessThan(1e-10);
    expect(Math.abs(l4.K1![0][1])).toBeLessThan(1e-10);
    expect(() => solveRecursions({ activation: 'relu', inputs, widths: [8, 8, 8], cb: 0, cw: 2, lambdaB: 1, quantities: ['Theta1'] }))
      .toThrow(NnftInputError);
  });
});

// Opposite directions (x_b = −c·x_a, e.g. scalar inputs of both signs) with piecewise-linear σ and C_b = 0: K⁽¹⁾ is
// singular, but σ(z) and σ(−cz) are not proportional, so K⁽ℓ⁾ is regular from layer 2 on. At the first step the
// terms with δ(z_a)δ(z_b) multiply V⁽¹⁾ = K¹⁽¹⁾ = … = 0 and are skipped (src/symbolic/compile.ts). Check: the exact
// configuration is the limit of nearby non-collinear ones, x_b = (−2, ε): the distance falls like ε² (ε for A, B,
// whose ⟨θθ⟩ orthant terms have a √(1 + ρ) ~ ε edge) — found by the long property run (leaky_relu, n0 = 1).
describe('antiparallel inputs, piecewise-linear σ, C_b = 0', () => {
  const Q = ['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'] as const;
  const flat = (x: unknown): number[] => (Array.isArray(x) ? (x as unknown[]).flatMap(flat) : [x as number]);
  for (const activation of ['relu', 'leaky_relu(0.1)']) {
    it(`${activation}: every quantity equals the limit of (1, 0), (−2, ε) as ε → 0, no NaN`, () => {
      const base = { activation, widths: [50, 60, 70, 80], cb: 0, cw: 1.7, lambdaB: 1, lambdaW: 1, quantities: [...Q] };
      const exact = solveRecursions({ ...base, inputs: [[1, 0], [-2, 0]] });
      const dist = (eps: number): Record<string, number> => {
        const near = solveRecursions({ ...base, inputs: [[1, 0], [-2, eps]] });
        const out: Record<string, number> = {};
        for (const q of Q) {
          let w = 0;
          exact.layers.forEach((l, i) => {
            const a = flat(l[q]);
            const b = flat(near.layers[i]![q]);
            expect(a.every(Number.isFinite)).toBe(true);
            const sc = Math.max(...a.map(Math.abs), 1e-300);
            a.forEach((v, k) => (w = Math.max(w, Math.abs(v - b[k]!) / sc)));
          });
          out[q] = w;
        }
        return out;
      };
      const d3 = dist(1e-3);
      const d4 = dist(1e-4);
      for (const q of Q) {
        const linear = q === 'A' || q === 'B';
        // measured: ≈ 2.5e-7..5e-7 (ε²) and 3.5e-5, 8e-5 (ε) at ε = 1e-3; a factor ≥ 5 (linear) or ≥ 50 (quadratic) per decade
        expect(d3[q], q).toBeLessThan(linear ? 2e-4 : 2e-6);
        expect(d4[q]! * (linear ? 5 : 50), q).toBeLessThan(d3[q]!);
      }
    });
  }
});
