/**
 * P — dNTK–preactivation cross-correlation, the δ_{i0i3}δ_{i1i2} channel of E[dΘ̂_{i0i1i2;α0α1α2} z_{i3;α3}]
 * (docs/dntk.md). The dNTK of layer ℓ is
 *
 *   dΘ̂_{i0i1i2;α0α1α2} = Σ_{μν} λ_μ λ_ν ∂²z_{i0;α0}/∂θ_μ∂θ_ν ∂z_{i1;α1}/∂θ_μ ∂z_{i2;α2}/∂θ_ν,
 *   E[dΘ̂_{i0i1i2;α0α1α2} z_{i3;α3}] = (1/n_{ℓ−1}) [δ_{i0i3}δ_{i1i2} P_{α0α1α2α3} + δ_{i0i1}δ_{i2i3} Q_{α0α1α2α3}
 *                                                   + δ_{i0i2}δ_{i1i3} Q_{α0α2α1α3}],
 *
 * P symmetric in its slots 1, 2. Defining expectation (original form; layer ℓ → ℓ+1, Θ = Θ⁽ℓ⁾ outside ⟨·⟩, raised
 * indices carry K⁻¹; B_{abcd} has one Θ̂ on slots a, c and the other on b, d):
 *
 *   P'_{0123} = C_W² Θ_01 Θ_02 ⟨σ''_0 σ'_1 σ'_2 σ_3⟩
 *             + C_W² r ⟨σ'_1 σ'_2⟩ [ ⟨σ''_0 σ_3⟩ B_{0012} + P_{012}^{β} ⟨σ'_0 σ_3 z_β⟩ ],          P⁽¹⁾ = 0.
 *
 * How it arises: only the two-derivative vertex of z' = b + W σ(z) carrying both derivatives on the layers below,
 * Σ_j W_{i0 j} σ''_j ∂z_j ∂z_j, with its W paired with the W of z'_{i3}: the same neuron j (the single-neuron term,
 * Θ̂_jj → Θ), two neurons j ≠ k with the off-diagonal NTKs Θ̂_jk Θ̂_jk → B, and the layer-ℓ dNTK dΘ̂_{jkk} whose
 * conditional mean given z_j is (1/n) P_{012}^β z_{j;β} (the dNTK statistics are linear in z at this order).
 * IBP form: C_W²Θ_01Θ_02⟨σ''_0σ'_1σ'_2σ_3⟩ + C_W² r ⟨σ'_1σ'_2⟩[⟨σ''_0σ_3⟩B_{0012} + Σ_δ P_{012δ}⟨∂_δ(σ'_0σ_3)⟩].
 *
 * Source: Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), ch. 11 "Representation
 * Learning", §11.2 (the dNTK and its preactivation cross-correlations P, Q), in this toolkit's normalisation
 * (the 1/n_{ℓ−1} factor pulled out) and slot order. Single input (r = 1):
 * P' = C_W²Θ²⟨σ''σ'²σ⟩ + C_W²⟨σ'²⟩[⟨σ''σ⟩B + ⟨σ''σ + σ'²⟩P].
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A4, CW, E, R, betas2, mul, part, raised, sig, tensor, z } from './blocks.ts';

export const dntkPreactivationP: QuantityRecursion = {
  source: 'PDLT §11.2, dNTK–preactivation cross-correlation P',
  parts() {
    const [a, b, c, d] = A4;
    const gauss = mul(CW(), CW(), tensor('Theta', a, b), tensor('Theta', a, c), E(mul(sig(a, 2), sig(b, 1), sig(c, 1), sig(d))));
    const bb = mul(CW(), CW(), R(), E(mul(sig(b, 1), sig(c, 1))), E(mul(sig(a, 2), sig(d))), tensor('B', a, a, b, c));
    const [beta] = betas2();
    const pp = mul(CW(), CW(), R(), E(mul(sig(b, 1), sig(c, 1))), raised('P', [null, null, null, beta], [a, b, c, '']), E(mul(sig(a, 1), sig(d), z(beta))));
    return [part('gauss', A4, gauss, false), part('B', A4, bb, false), part('P', A4, pp)];
  },
};
