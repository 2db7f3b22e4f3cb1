/**
 * V4 — the four-point vertex: the connected four-point function of layer ℓ is
 * (1/n_{ℓ−1})[δ_{i1i2}δ_{i3i4} V_(α1α2)(α3α4) + two permutations] (docs/conventions.md). Defining expectation
 * (original form; ⟨·⟩ over N(0, K), raised indices carry K⁻¹, H_ββ' = z_β z_β' − K_ββ', r = n_ℓ/n_{ℓ−1}):
 *
 *   V'_(ab)(cd) = C_W² [⟨σ_aσ_bσ_cσ_d⟩ − ⟨σ_aσ_b⟩⟨σ_cσ_d⟩]
 *               + (C_W²/4) r V^{β1β2β3β4} ⟨σ_aσ_b H_β1β2⟩ ⟨σ_cσ_d H_β3β4⟩,          V⁽¹⁾ = 0.
 *
 * The engine's IBP form replaces K⁻¹⟨σσ H⟩K⁻¹ by ⟨∂δ1∂δ2(σ_aσ_b)⟩ (docs/equations.md). Source: Roberts,
 * Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), §4.2–4.3 (the four-point vertex recursion,
 * written there with inverse kernels); Misof, "The Neural Tangent Kernel: Equivariance, Data Augmentation
 * and Corrections from Feynman Diagrams" (the same recursion in Hermite form). Single input:
 * V' = C_W² Var(σ²) + χ_∥² V with χ_∥ = (C_W/2)⟨(σ²)''⟩.
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A4, CW, E, H2, R, S, betas4, mul, num, part, sub, up4 } from './blocks.ts';

export const fourPointVertex: QuantityRecursion = {
  source: 'PDLT §4.2–4.3, four-point vertex recursion',
  parts() {
    const [a, b, c, d] = A4;
    const gauss = mul(CW(), CW(), sub(E(mul(S(a, b), S(c, d))), mul(E(S(a, b)), E(S(c, d)))));
    const bs = betas4();
    const chi = mul(num(1, 4), CW(), CW(), R(), up4('V', bs), E(mul(S(a, b), H2(bs[0], bs[1]))), E(mul(S(c, d), H2(bs[2], bs[3]))));
    return [part('gauss', A4, gauss, false), part('chi', A4, chi)];
  },
};
