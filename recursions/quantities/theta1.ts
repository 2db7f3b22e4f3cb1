/**
 * Theta1 (Θ¹) — the 1/n correction to the mean NTK, E[Θ̂_{ij;ab}] = δ_ij (Θ_ab + Θ¹_ab/n_{ℓ−1} + …). Defining
 * expectation (original form; Ω_ab = λ_W σ_aσ_b + C_W Θ_ab σ'_aσ'_b, P_ab = σ'_aσ'_b; rules (i) and (iii) of
 * ./blocks.ts), one part per diagram of Guillen, Misof, Gerken:
 *
 *   Θ¹'_ab = r [ C_W ⟨P_ab⟩ Θ¹_ab                                              (Θ¹ propagated)
 *              + ½ K¹^{β1β2} ⟨Ω_ab H_β1β2⟩                                       (K¹ insertion)
 *              + ⅛ V^{β1β2β3β4} ⟨Ω_ab H_β1β2β3β4⟩                                (four-point vertex)
 *              + ½ C_W D_ab^{β1β2} ⟨P_ab H_β1β2⟩                                  (NTK–preactivation D)
 *              + ½ C_W (F_a^{β1}_b^{β2} + F_a^{β2}_b^{β1}) ⟨P_ab H_β1β2⟩ ],      Θ¹⁽¹⁾ = 0.   (F)
 *
 * IBP form (the five diagrams): r [C_W⟨P_ab⟩Θ¹_ab + ½ Σ K¹_δ1δ2⟨∂δ1∂δ2 Ω_ab⟩ + ⅛ Σ V_(δ1δ2)(δ3δ4)⟨∂⁴ Ω_ab⟩
 * + (C_W/2) Σ D_abδ1δ2⟨∂δ1∂δ2 P_ab⟩ + C_W Σ F_aδ1bδ2⟨∂δ1∂δ2 P_ab⟩]. Source: Guillen, Misof, Gerken, "Finite-width
 * neural tangent kernels from Feynman diagrams" (arXiv 2508.11522), the first-order NTK correction and its five
 * diagrams; Misof, "The Neural Tangent Kernel: Equivariance, Data Augmentation and Corrections from Feynman
 * Diagrams" (the diagrams); PDLT ch. 8 (the NTK mean at next-to-leading order).
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A2, CW, E, H2, H4, Om, P, R, add, betas2, betas4, mul, num, part, raised, tensor, up2, up4 } from './blocks.ts';

export const ntkMeanCorrection: QuantityRecursion = {
  source: 'Guillen, Misof, Gerken, "Finite-width neural tangent kernels from Feynman diagrams", first-order NTK correction (five diagrams)',
  parts() {
    const [a, b] = A2;
    const th = mul(CW(), R(), tensor('Theta1', a, b), E(P(a, b)));
    const b2 = betas2();
    const k1 = mul(num(1, 2), R(), up2('K1', b2[0], b2[1]), E(mul(Om(a, b), H2(b2[0], b2[1]))));
    const b4 = betas4();
    const v = mul(num(1, 8), R(), up4('V', b4), E(mul(Om(a, b), H4(b4))));
    const e2 = betas2();
    const dd = mul(num(1, 2), CW(), R(), raised('D', [null, null, e2[0], e2[1]], [a, b]), E(mul(P(a, b), H2(e2[0], e2[1]))));
    const g2 = betas2();
    const ff = mul(
      num(1, 2),
      CW(),
      R(),
      add(raised('F', [null, g2[0], null, g2[1]], [a, '', b, '']), raised('F', [null, g2[1], null, g2[0]], [a, '', b, ''])),
      E(mul(P(a, b), H2(g2[0], g2[1]))),
    );
    return [part('Theta1', A2, th, false), part('K1', A2, k1), part('V', A2, v), part('D', A2, dd), part('F', A2, ff)];
  },
};
