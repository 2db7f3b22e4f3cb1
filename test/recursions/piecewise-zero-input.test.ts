/**
 * A zero input with C_b = 0 and a piecewise-linear σ: its preactivation is identically 0 in every network at every
 * depth. One convention for σ'(0) in both the recursions and the Monte Carlo sampler (docs/piecewise-linear.md):
 * σ'(0) = (s₋ + s₊)/2 evaluated pointwise, so σ'(0)² = (s₋ + s₊)²/4 (src/gaussian/piecewise.ts `pointwiseAtZero`,
 * src/activations `derivative(1)` at 0). Before, the recursions used ⟨θ(z)²⟩ = ½ (a C_b → 0⁺ limit) and disagreed
 * with sampled networks: Θ⁽²⁾(0, 0) = 2 against 1.5 for ReLU, C_W = 2, λ_b = λ_W = 1.
 *
 * Closed forms at the zero input (x₀ = 0): K, V4, K¹ and every z-slot vanish; with s = σ'(0),
 *   Θ⁽ℓ+1⁾_00 = λ_b + C_W s² Θ⁽ℓ⁾_00,  Θ⁽ℓ+1⁾_01 = λ_b + C_W s ⟨σ'(z_1)⟩ Θ⁽ℓ⁾_01,
 *   B⁽ℓ+1⁾_0000 = C_W² s⁴ (Θ⁽ℓ⁾_00)² + C_W² s⁴ B⁽ℓ⁾_0000,  A_0000 = 0 (Ω_00 is deterministic).
 */
import { describe, expect, it } from 'vitest';
import { solveRecursions } from '../../recursions/index.ts';
import { sampleEnsemble } from '../../src/montecarlo/index.ts';

const Q = ['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'] as const;
const flat = (x: unknown): number[] => (Array.isArray(x) ? (x as unknown[]).flatMap(flat) : [x as number]);

describe('σ\'(0) convention at a zero input with C_b = 0: recursions = closed forms = sampled networks', () => {
  for (const [activation, sneg, spos] of [['relu', 0, 1], ['leaky_relu(0.1)', 0.1, 1]] as const) {
    it(`${activation}: Θ, B, A at the zero input from the pointwise σ'(0) = ${(sneg + spos) / 2}`, () => {
      const cw = 2;
      const r = solveRecursions({ activation, inputs: [[0], [1]], widths: [64, 64, 64, 64], cb: 0, cw, lambdaB: 1, lambdaW: 1, quantities: [...Q] });
      const s = (sneg + spos) / 2;
      const mean1 = (sneg + spos) / 2; // ⟨σ'(z_1)⟩ for a symmetric Gaussian z_1
      let t00 = 1;
      let t01 = 1;
      let b = 0;
      r.layers.forEach((l, i) => {
        if (i > 0) {
          b = cw ** 2 * s ** 4 * t00 ** 2 + cw ** 2 * s ** 4 * b;
          t00 = 1 + cw * s * s * t00;
          t01 = 1 + cw * s * mean1 * t01;
        }
        expect(l.Theta![0]![0]).toBeCloseTo(t00, 13);
        expect(l.Theta![0]![1]).toBeCloseTo(t01, 13);
        expect(l.B![0]![0]![0]![0]).toBeCloseTo(b, 13);
        expect(l.A![0]![0]![0]![0]).toBeCloseTo(0, 13);
        expect(l.K![0]![0]).toBe(0);
        for (const q of Q) expect(flat(l[q]).every(Number.isFinite), q).toBe(true);
      });
      if (activation === 'relu') expect(r.layers[1]!.Theta![0]![0]).toBe(1.5); // was 2
    });
  }
  it('sampled networks (width 64, 2000 nets) agree with the recursions at the zero input: 4 se + scale/n', { timeout: 120_000 }, async () => {
    const n = 64;
    const spec = { activation: 'relu', inputs: [[0], [1]], widths: [n, n, n], cb: 0, cw: 2, lambdaB: 1, lambdaW: 1 };
    const th = solveRecursions({ ...spec, quantities: [...Q] });
    const mc = await sampleEnsemble({ ...spec, nets: 2000, seed: 5, quantities: [...Q] });
    for (const layer of [1, 2]) {
      for (const q of ['Theta', 'Theta1', 'A', 'B', 'D', 'F'] as const) {
        const t = flat(th.layers[layer]![q]);
        const est = mc.layers[layer]![q]!;
        const mean = flat(est.mean);
        const se = flat(est.stderr);
        const scale = Math.max(...t.map(Math.abs));
        t.forEach((v, i) => expect(Math.abs(mean[i]! - v), `${q}[${i}] layer ${layer + 1}: MC ${mean[i]} ± ${se[i]}, recursion ${v}`).toBeLessThanOrEqual(4 * se[i]! + scale / n));
      }
    }
  });
});
