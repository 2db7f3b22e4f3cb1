/**
 * A — NTK variance, the δ_{i1i2}δ_{i3i4} channel of E[ΔΘ̂_{i1i2;α1α2} ΔΘ̂_{i3i4;α3α4}], A_(ab)(cd)
 * (docs/conventions.md). Defining expectation (original form; Ω, P as in ./blocks.ts):
 *
 *   A'_(ab)(cd) = ⟨Ω_ab Ω_cd⟩ − ⟨Ω_ab⟩⟨Ω_cd⟩
 *               + ¼ r V^{β1β2β3β4} ⟨Ω_ab H_β1β2⟩ ⟨Ω_cd H_β3β4⟩
 *               + ½ C_W r ( ⟨P_cd⟩ D_cd^{β1β2} ⟨Ω_ab H_β1β2⟩ + ⟨P_ab⟩ D_ab^{β1β2} ⟨Ω_cd H_β1β2⟩ )
 *               + C_W² r ⟨P_ab⟩⟨P_cd⟩ A_(ab)(cd),                                   A⁽¹⁾ = 0.
 *
 * Source: Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), §8.3 (NTK variance);
 * Guillen, Misof, Gerken, "Finite-width neural tangent kernels from Feynman diagrams".
 * Single input: A' = Var(Ω) + ¼⟨Ω''⟩² V + C_W⟨Ω''⟩⟨σ'²⟩ D + χ_⊥² A.
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A4, CW, E, H2, Om, P, R, add, betas2, betas4, mul, num, part, raised, sub, tensor, up4 } from './blocks.ts';

export const ntkVarianceA: QuantityRecursion = {
  source: 'PDLT §8.3, NTK variance A',
  parts() {
    const [a, b, c, d] = A4;
    const gauss = sub(E(mul(Om(a, b), Om(c, d))), mul(E(Om(a, b)), E(Om(c, d))));
    const bs = betas4();
    const v = mul(num(1, 4), R(), up4('V', bs), E(mul(Om(a, b), H2(bs[0], bs[1]))), E(mul(Om(c, d), H2(bs[2], bs[3]))));
    const e1 = betas2();
    const e2 = betas2();
    const dd = mul(
      num(1, 2),
      CW(),
      R(),
      add(
        mul(E(P(c, d)), raised('D', [null, null, e1[0], e1[1]], [c, d]), E(mul(Om(a, b), H2(e1[0], e1[1])))),
        mul(E(P(a, b)), raised('D', [null, null, e2[0], e2[1]], [a, b]), E(mul(Om(c, d), H2(e2[0], e2[1])))),
      ),
    );
    const aa = mul(CW(), CW(), R(), E(P(a, b)), E(P(c, d)), tensor('A', a, b, c, d));
    return [part('gauss', A4, gauss, false), part('V', A4, v), part('D', A4, dd), part('A', A4, aa, false)];
  },
};
