/**
 * B — NTK variance, the δ_{i1i3}δ_{i2i4} channel of E[ΔΘ̂_{i1i2;α1α2} ΔΘ̂_{i3i4;α3α4}], stored as B_abcd with
 * the first Θ̂ on slots a, c (docs/conventions.md). Defining expectation (read off the layer map; no IBP):
 *
 *   B'_abcd = C_W² Θ_ac Θ_bd ⟨σ'_a σ'_b σ'_c σ'_d⟩ + C_W² r ⟨P_ab⟩⟨P_cd⟩ B_abcd,          B⁽¹⁾ = 0.
 *
 * Source: Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), §8.3 (NTK variance);
 * Guillen, Misof, Gerken, "Finite-width neural tangent kernels from Feynman diagrams".
 * Single input: B' = C_W²⟨σ'⁴⟩Θ² + χ_⊥² B.
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A4, CW, E, P, R, mul, part, sig, tensor } from './blocks.ts';

export const ntkVarianceB: QuantityRecursion = {
  source: 'PDLT §8.3, NTK variance B',
  parts() {
    const [a, b, c, d] = A4;
    const gauss = mul(CW(), CW(), tensor('Theta', a, c), tensor('Theta', b, d), E(mul(sig(a, 1), sig(b, 1), sig(c, 1), sig(d, 1))));
    const bb = mul(CW(), CW(), R(), E(P(a, b)), E(P(c, d)), tensor('B', a, b, c, d));
    return [part('gauss', A4, gauss, false), part('B', A4, bb, false)];
  },
};
