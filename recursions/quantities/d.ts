/**
 * D — NTK–preactivation cross-correlation, the δ_{i1i2}δ_{i3i4} channel of
 * E[ΔΘ̂_{i1i2;α1α2} z_{i3;α3} z_{i4;α4}] (NTK slots a, b; z slots c, d; docs/conventions.md). Defining
 * expectation (original form; S = σσ, P = σ'σ', Ω as in ./blocks.ts):
 *
 *   D'_abcd = C_W (⟨Ω_ab S_cd⟩ − ⟨Ω_ab⟩⟨S_cd⟩)
 *           + ¼ C_W r V^{β1β2β3β4} ⟨Ω_ab H_β1β2⟩ ⟨S_cd H_β3β4⟩
 *           + ½ C_W² r ⟨P_ab⟩ D_ab^{β1β2} ⟨S_cd H_β1β2⟩,                    D⁽¹⁾ = 0.
 *
 * Source: Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), §8.3 (NTK–preactivation
 * cross-correlations); Guillen, Misof, Gerken, "Finite-width neural tangent kernels from Feynman diagrams"
 * (their D, stored there in another slot order). Single input: D' = C_W Cov(Ω, σ²) + (C_W/4)⟨(σ²)''⟩⟨Ω''⟩V + χ_∥χ_⊥D.
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A4, CW, E, H2, Om, P, R, S, betas2, betas4, mul, num, part, raised, sub, up4 } from './blocks.ts';

export const ntkPreactivationD: QuantityRecursion = {
  source: 'PDLT §8.3, NTK–preactivation cross-correlation D',
  parts() {
    const [a, b, c, d] = A4;
    const gauss = mul(CW(), sub(E(mul(Om(a, b), S(c, d))), mul(E(Om(a, b)), E(S(c, d)))));
    const bs = betas4();
    const v = mul(num(1, 4), CW(), R(), up4('V', bs), E(mul(Om(a, b), H2(bs[0], bs[1]))), E(mul(S(c, d), H2(bs[2], bs[3]))));
    const e2 = betas2();
    const dd = mul(num(1, 2), CW(), CW(), R(), E(P(a, b)), raised('D', [null, null, e2[0], e2[1]], [a, b]), E(mul(S(c, d), H2(e2[0], e2[1]))));
    return [part('gauss', A4, gauss, false), part('V', A4, v), part('D', A4, dd)];
  },
};
