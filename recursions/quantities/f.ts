/**
 * F — NTK–preactivation cross-correlation, the δ_{i1i3}δ_{i2i4} channel of
 * E[ΔΘ̂_{i1i2;α1α2} z_{i3;α3} z_{i4;α4}], stored as F_abcd with NTK slots a, c and z slots b, d
 * (docs/conventions.md). Defining expectation (original form; rule (iii) of ./blocks.ts):
 *
 *   F'_abcd = C_W² Θ_ac ⟨σ'_a σ_b σ'_c σ_d⟩ + C_W² r F_a^{β1}_c^{β2} ⟨σ'_a σ_b z_β1⟩ ⟨σ'_c σ_d z_β2⟩,     F⁽¹⁾ = 0.
 *
 * IBP form: C_W² ⟨σ'_aσ_bσ'_cσ_d⟩Θ_ac + C_W² r Σ ⟨∂δ1(σ'_aσ_b)⟩⟨∂δ2(σ'_cσ_d)⟩ F_aδ1cδ2. Source: Roberts, Yaida,
 * Hanin, "The Principles of Deep Learning Theory" (PDLT), §8.3; Guillen, Misof, Gerken, "Finite-width neural
 * tangent kernels from Feynman diagrams". Single input: F' = C_W²⟨σ²σ'²⟩Θ + χ_∥² F.
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A4, CW, E, R, betas2, mul, part, raised, sig, tensor, z } from './blocks.ts';

export const ntkPreactivationF: QuantityRecursion = {
  source: 'PDLT §8.3, NTK–preactivation cross-correlation F',
  parts() {
    const [a, b, c, d] = A4;
    const gauss = mul(CW(), CW(), tensor('Theta', a, c), E(mul(sig(a, 1), sig(b), sig(c, 1), sig(d))));
    const bs = betas2();
    const ff = mul(CW(), CW(), R(), raised('F', [null, bs[0], null, bs[1]], [a, '', c, '']), E(mul(sig(a, 1), sig(b), z(bs[0]))), E(mul(sig(c, 1), sig(d), z(bs[1]))));
    return [part('gauss', A4, gauss, false), part('F', A4, ff)];
  },
};
