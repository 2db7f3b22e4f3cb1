/**
 * S — mean of the second ddNTK, the δ_{i1i2}δ_{i3i4} channel:
 *   E[ddIIΘ̂_{i1i2i3i4;α1α2α3α4}] = (1/n_{ℓ−1}) [δ_{i1i2}δ_{i3i4} S_{α1α2α3α4} + δ_{i1i3}δ_{i2i4} T_{α1α2α3α4}
 *                                              + δ_{i1i4}δ_{i2i3} U_{α1α2α3α4}]
 * (ddIIΘ̂ defined in ./r.ts; S, T, U are each symmetric under the joint swap of slots 1↔2 and 3↔4). Defining
 * expectation (original form; B as in ./b.ts):
 *
 *   S'_{1234} = λ_W C_W [ Θ_13 Θ_24 ⟨σ'_1 σ'_2 σ'_3 σ'_4⟩ + r ⟨σ'_1 σ'_2⟩ ⟨σ'_3 σ'_4⟩ B_{1234} ]
 *             + C_W² [ Θ_12 Θ_13 Θ_24 ⟨σ''_1 σ''_2 σ'_3 σ'_4⟩ + r Θ_12 ⟨σ''_1 σ''_2⟩ ⟨σ'_3 σ'_4⟩ B_{1234}
 *                      + r ⟨σ'_1 σ'_2⟩ ⟨σ'_3 σ'_4⟩ S_{1234} ],                                           S⁽¹⁾ = 0.
 *
 * The λ_W line: the shared derivative (between the two second-derivative vertices) in a weight of this layer; the
 * C_W² line: all derivatives below, both W's of the two-derivative vertices paired. For piecewise-linear σ,
 * ⟨σ''_1 σ''_2 …⟩ at α1 = α2 is ⟨δ(z)² …⟩ = ∞: S does not exist there (docs/dntk.md).
 *
 * Source: Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), ch. ∞, §∞.3 (ddNTK recursions),
 * in this toolkit's normalisation and slot order.
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A4, CW, E, R, mul, param, part, sig, tensor } from './blocks.ts';

export const ddntkMeanS: QuantityRecursion = {
  source: 'PDLT §∞.3, mean of the second ddNTK, S channel',
  notForPiecewiseLinear: '⟨σ″_1 σ″_2 …⟩ at coinciding inputs is ⟨δ(z)² …⟩ = ∞ (docs/dntk.md)',
  parts() {
    const [a, b, c, d] = A4;
    const lw = param('lambda_W');
    const gaussW = mul(lw, CW(), tensor('Theta', a, c), tensor('Theta', b, d), E(mul(sig(a, 1), sig(b, 1), sig(c, 1), sig(d, 1))));
    const bW = mul(lw, CW(), R(), E(mul(sig(a, 1), sig(b, 1))), E(mul(sig(c, 1), sig(d, 1))), tensor('B', a, b, c, d));
    const gauss = mul(CW(), CW(), tensor('Theta', a, b), tensor('Theta', a, c), tensor('Theta', b, d), E(mul(sig(a, 2), sig(b, 2), sig(c, 1), sig(d, 1))));
    const bb = mul(CW(), CW(), R(), tensor('Theta', a, b), E(mul(sig(a, 2), sig(b, 2))), E(mul(sig(c, 1), sig(d, 1))), tensor('B', a, b, c, d));
    const ss = mul(CW(), CW(), R(), E(mul(sig(a, 1), sig(b, 1))), E(mul(sig(c, 1), sig(d, 1))), tensor('S', a, b, c, d));
    return [part('gaussW', A4, gaussW, false), part('BW', A4, bW, false), part('gauss', A4, gauss, false), part('B', A4, bb, false), part('S', A4, ss, false)];
  },
};
