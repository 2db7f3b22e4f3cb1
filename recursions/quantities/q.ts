/**
 * Q — dNTK–preactivation cross-correlation, the δ_{i0i1}δ_{i2i3} channel of E[dΘ̂_{i0i1i2;α0α1α2} z_{i3;α3}]
 * (definition of the dNTK and the three channels: ./p.ts, docs/dntk.md; the δ_{i0i2}δ_{i1i3} channel is
 * Q_{α0α2α1α3}). Defining expectation (original form; F_{abcd} has Θ̂ on slots a, c and z on b, d):
 *
 *   Q'_{0123} = λ_W C_W [ Θ_02 ⟨σ'_0 σ_1 σ'_2 σ_3⟩ + r F_0^{β1}_2^{β2} ⟨σ'_0 σ_1 z_β1⟩ ⟨σ'_2 σ_3 z_β2⟩ ]
 *             + C_W² [ Θ_01 Θ_02 ⟨σ''_0 σ'_1 σ'_2 σ_3⟩ + r Θ_01 F_0^{β1}_2^{β2} ⟨σ''_0 σ'_1 z_β1⟩ ⟨σ'_2 σ_3 z_β2⟩
 *                      + r ⟨σ'_0 σ'_1⟩ Q_{012}^{β} ⟨σ'_2 σ_3 z_β⟩ ],                                        Q⁽¹⁾ = 0.
 *
 * The λ_W line is (λ_W/C_W) F⁽ℓ⁺¹⁾_{0123}: the second derivative of z' = b + W σ(z) in one weight of this layer and one
 * parameter below, whose W-derivative partner is z'_{i1} (so i0 = i1) while the remaining W pairs with z'_{i3}. The
 * C_W² line is the two-derivative vertex Σ_j W_{i0j}σ''_j ∂z_j∂z_j with its W paired with z'_{i1}'s: one neuron
 * (Θ̂_jj Θ̂_jj → ΘΘ), two neurons with Θ̂_jj → Θ and the off-diagonal Θ̂_jl given z (the F rule of ./blocks.ts), and the
 * layer-ℓ dNTK dΘ̂_{jjl} with conditional mean (1/n) Q_{012}^β z_{l;β}.
 *
 * Source: Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), ch. 11, §11.2 (dNTK–preactivation
 * cross-correlations), in this toolkit's normalisation and slot order.
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A4, CW, E, R, betas2, mul, param, part, raised, sig, tensor, z } from './blocks.ts';

export const dntkPreactivationQ: QuantityRecursion = {
  source: 'PDLT §11.2, dNTK–preactivation cross-correlation Q',
  parts() {
    const [a, b, c, d] = A4;
    const lw = param('lambda_W');
    const gaussW = mul(lw, CW(), tensor('Theta', a, c), E(mul(sig(a, 1), sig(b), sig(c, 1), sig(d))));
    const f1 = betas2();
    const fW = mul(lw, CW(), R(), raised('F', [null, f1[0], null, f1[1]], [a, '', c, '']), E(mul(sig(a, 1), sig(b), z(f1[0]))), E(mul(sig(c, 1), sig(d), z(f1[1]))));
    const gauss2 = mul(CW(), CW(), tensor('Theta', a, b), tensor('Theta', a, c), E(mul(sig(a, 2), sig(b, 1), sig(c, 1), sig(d))));
    const f2 = betas2();
    const f2t = mul(CW(), CW(), R(), tensor('Theta', a, b), raised('F', [null, f2[0], null, f2[1]], [a, '', c, '']), E(mul(sig(a, 2), sig(b, 1), z(f2[0]))), E(mul(sig(c, 1), sig(d), z(f2[1]))));
    const [beta] = betas2();
    const qq = mul(CW(), CW(), R(), E(mul(sig(a, 1), sig(b, 1))), raised('Q', [null, null, null, beta], [a, b, c, '']), E(mul(sig(c, 1), sig(d), z(beta))));
    return [part('gaussW', A4, gaussW, false), part('FW', A4, fW), part('gauss', A4, gauss2, false), part('F', A4, f2t), part('Q', A4, qq)];
  },
};
