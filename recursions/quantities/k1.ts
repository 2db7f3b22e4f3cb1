/**
 * K1 (K¹) — the 1/n correction to the two-point function, E[z_{i;a} z_{j;b}] = δ_ij (K_ab + K¹_ab/n_{ℓ−1} + …).
 * Defining expectation (original form, the single-neuron rule (i) of ./blocks.ts applied to C_W⟨σ_aσ_b⟩):
 *
 *   K¹'_ab = C_W r [ ½ K¹^{β1β2} ⟨σ_aσ_b H_β1β2⟩ + ⅛ V^{β1β2β3β4} ⟨σ_aσ_b H_β1β2β3β4⟩ ],          K¹⁽¹⁾ = 0.
 *
 * IBP form: C_W r [½ Σ K¹_δ1δ2 ⟨∂δ1∂δ2 S_ab⟩ + ⅛ Σ V_(δ1δ2)(δ3δ4) ⟨∂δ1∂δ2∂δ3∂δ4 S_ab⟩]. Source: Roberts, Yaida,
 * Hanin, "The Principles of Deep Learning Theory" (PDLT), §4.5 "Subleading Corrections" (the NLO metric);
 * Guillen, Misof, Gerken, "Finite-width neural tangent kernels from Feynman diagrams" (same recursion).
 * Single input: K¹' = χ_∥ K¹ + (C_W/8)⟨(σ²)⁗⟩ V; ReLU at criticality (C_b = 0, C_W = 2) gives K¹ = 0 exactly.
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A2, CW, E, H2, H4, R, S, betas2, betas4, mul, num, part, up2, up4 } from './blocks.ts';

export const kernelCorrection: QuantityRecursion = {
  source: 'PDLT §4.5, subleading correction K¹ to the kernel (NLO metric)',
  parts() {
    const [a, b] = A2;
    const b2 = betas2();
    const k1 = mul(num(1, 2), CW(), R(), up2('K1', b2[0], b2[1]), E(mul(S(a, b), H2(b2[0], b2[1]))));
    const b4 = betas4();
    const v = mul(num(1, 8), CW(), R(), up4('V', b4), E(mul(S(a, b), H4(b4))));
    return [part('K1', A2, k1), part('V', A2, v)];
  },
};
