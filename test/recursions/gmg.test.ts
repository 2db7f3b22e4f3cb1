/**
 * The published GMG Figure 2 setup (arXiv 2508.11522; examples/gelu-gmg.ts): four-layer GELU, no bias,
 * C_W = 1.98305826, λ_W = 1, n0 = 4, their appendix's two inputs. Published: Θ₀₀ = 1.74926, Θ₀₁ = 0.176856
 * (printed), Θ¹₀₀ ≈ +1.4144, Θ¹₀₁ ≈ −0.3246 (digitised from the figure: ±0.002 allowed).
 */
import { describe, expect, it } from 'vitest';
import { gmgRecursion, GMG_PUBLISHED } from '../../examples/gelu-gmg.ts';

describe('GMG Figure 2 setup', () => {
  it('reproduces the published Θ and Θ¹ of the four-layer GELU network', () => {
    const { Theta, Theta1 } = gmgRecursion();
    expect(Math.abs(Theta[0]![0]! - GMG_PUBLISHED.Theta00)).toBeLessThan(1e-5);
    expect(Math.abs(Theta[0]![1]! - GMG_PUBLISHED.Theta01)).toBeLessThan(1e-6);
    expect(Math.abs(Theta1[0]![0]! - GMG_PUBLISHED.Theta1_00)).toBeLessThan(2e-3);
    expect(Math.abs(Theta1[0]![1]! - GMG_PUBLISHED.Theta1_01)).toBeLessThan(2e-3);
    expect(Theta1[0]![1]!).toBe(Theta1[1]![0]!);
  });
});
