/**
 * U — mean of the second ddNTK, the δ_{i1i4}δ_{i2i3} channel of E[ddIIΘ̂_{i1i2i3i4}] (./s.ts, ./r.ts). Defining
 * expectation (original form):
 *
 *   U'_{1234} = C_W² [ Θ_12 Θ_13 Θ_24 ⟨σ''_1 σ''_2 σ'_3 σ'_4⟩ + r ⟨σ'_1 σ'_4⟩ ⟨σ'_2 σ'_3⟩ U_{1234} ],       U⁽¹⁾ = 0.
 *
 * Only the vertices with every derivative below contribute (a weight of this layer would pair z'_{i1} with z'_{i3} or
 * z'_{i2}, or z'_{i2} with z'_{i4}); two neurons j ≠ k enter only through the layer-ℓ ddNTK, E[ddIIΘ̂_{jkkj}] = U/n,
 * the products of three off-diagonal NTKs being O(1/n²). For piecewise-linear σ, ⟨σ''_1 σ''_2 …⟩ at α1 = α2 is
 * ⟨δ(z)² …⟩ = ∞: U does not exist there (docs/dntk.md).
 *
 * Source: Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), ch. ∞, §∞.3 (ddNTK recursions),
 * in this toolkit's normalisation and slot order.
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A4, CW, E, R, mul, part, sig, tensor } from './blocks.ts';

export const ddntkMeanU: QuantityRecursion = {
  source: 'PDLT §∞.3, mean of the second ddNTK, U channel',
  notForPiecewiseLinear: '⟨σ″_1 σ″_2 …⟩ at coinciding inputs is ⟨δ(z)² …⟩ = ∞ (docs/dntk.md)',
  parts() {
    const [a, b, c, d] = A4;
    const gauss = mul(CW(), CW(), tensor('Theta', a, b), tensor('Theta', a, c), tensor('Theta', b, d), E(mul(sig(a, 2), sig(b, 2), sig(c, 1), sig(d, 1))));
    const uu = mul(CW(), CW(), R(), E(mul(sig(a, 1), sig(d, 1))), E(mul(sig(b, 1), sig(c, 1))), tensor('U', a, b, c, d));
    return [part('gauss', A4, gauss, false), part('U', A4, uu, false)];
  },
};
