/**
 * R — mean of the first ddNTK (docs/dntk.md). The ddNTKs of layer ℓ are
 *
 *   ddIΘ̂_{i0i1i2i3;α0α1α2α3}  = Σ λ_μλ_νλ_ρ ∂³z_{i0;α0}/∂θ_μ∂θ_ν∂θ_ρ ∂z_{i1;α1}/∂θ_μ ∂z_{i2;α2}/∂θ_ν ∂z_{i3;α3}/∂θ_ρ,
 *   ddIIΘ̂_{i1i2i3i4;α1α2α3α4} = Σ λ_μλ_νλ_ρ ∂²z_{i1;α1}/∂θ_μ∂θ_ν ∂²z_{i2;α2}/∂θ_ν∂θ_ρ ∂z_{i3;α3}/∂θ_μ ∂z_{i4;α4}/∂θ_ρ,
 *   E[ddIΘ̂_{i0i1i2i3}] = (1/n_{ℓ−1}) [δ_{i0i1}δ_{i2i3} R_{α0α1α2α3} + δ_{i0i2}δ_{i1i3} R_{α0α2α1α3} + δ_{i0i3}δ_{i1i2} R_{α0α3α1α2}],
 *
 * R symmetric in its slots 2, 3 (ddIΘ̂ is symmetric in its last three (i, α) pairs). Defining expectation (original
 * form; layer ℓ → ℓ+1; B as in ./b.ts, P as in ./p.ts):
 *
 *   R'_{0123} = λ_W C_W [ Θ_02 Θ_03 ⟨σ''_0 σ_1 σ'_2 σ'_3⟩ + r ⟨σ'_2 σ'_3⟩ ( ⟨σ''_0 σ_1⟩ B_{0023} + P_{023}^{β} ⟨σ'_0 σ_1 z_β⟩ ) ]
 *             + C_W² [ Θ_01 Θ_02 Θ_03 ⟨σ'''_0 σ'_1 σ'_2 σ'_3⟩
 *                      + r Θ_01 ⟨σ'_2 σ'_3⟩ ( ⟨σ'''_0 σ'_1⟩ B_{0023} + P_{023}^{β} ⟨σ''_0 σ'_1 z_β⟩ )
 *                      + r ⟨σ'_0 σ'_1⟩ ⟨σ'_2 σ'_3⟩ R_{0123} ],                                            R⁽¹⁾ = 0.
 *
 * The λ_W line: one derivative of the three-derivative vertex in a weight of this layer (paired with z'_{i1}); the
 * C_W² line: all three below, Σ_j W_{i0j}[σ'''_j ∂z∂z∂z + σ''_j(∂²z ∂z + …) + σ'_j ∂³z_j], with the layer-ℓ ddNTK
 * E[ddIΘ̂_{jjll}] = R/n (j ≠ l) and the dNTK conditional mean of ./p.ts. For piecewise-linear σ, ⟨σ'''_0 σ'_1 …⟩ at
 * α0 = α1 is ⟨δ'(z)θ(z) …⟩, which diverges (in the limit of smooth σ it grows like the inverse smoothing width): R
 * does not exist there (docs/dntk.md).
 *
 * Source: Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), ch. ∞ "The End of Training",
 * §∞.3 (the ddNTKs and the recursions of their means R, S, T, U), in this toolkit's normalisation and slot order.
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import { A4, CW, E, R, betas2, mul, param, part, raised, sig, tensor, z } from './blocks.ts';

export const ddntkMeanR: QuantityRecursion = {
  source: 'PDLT §∞.3, mean of the first ddNTK, R',
  notForPiecewiseLinear: '⟨σ‴_0 σ′_1 …⟩ at coinciding inputs is ⟨δ′(z)θ(z) …⟩, which diverges (docs/dntk.md)',
  parts() {
    const [a, b, c, d] = A4;
    const lw = param('lambda_W');
    const gaussW = mul(lw, CW(), tensor('Theta', a, c), tensor('Theta', a, d), E(mul(sig(a, 2), sig(b), sig(c, 1), sig(d, 1))));
    const bW = mul(lw, CW(), R(), E(mul(sig(c, 1), sig(d, 1))), E(mul(sig(a, 2), sig(b))), tensor('B', a, a, c, d));
    const [b1] = betas2();
    const pW = mul(lw, CW(), R(), E(mul(sig(c, 1), sig(d, 1))), raised('P', [null, null, null, b1], [a, c, d, '']), E(mul(sig(a, 1), sig(b), z(b1))));
    const gauss = mul(CW(), CW(), tensor('Theta', a, b), tensor('Theta', a, c), tensor('Theta', a, d), E(mul(sig(a, 3), sig(b, 1), sig(c, 1), sig(d, 1))));
    const bb = mul(CW(), CW(), R(), tensor('Theta', a, b), E(mul(sig(c, 1), sig(d, 1))), E(mul(sig(a, 3), sig(b, 1))), tensor('B', a, a, c, d));
    const [b2] = betas2();
    const pp = mul(CW(), CW(), R(), tensor('Theta', a, b), E(mul(sig(c, 1), sig(d, 1))), raised('P', [null, null, null, b2], [a, c, d, '']), E(mul(sig(a, 2), sig(b, 1), z(b2))));
    const rr = mul(CW(), CW(), R(), E(mul(sig(a, 1), sig(b, 1))), E(mul(sig(c, 1), sig(d, 1))), tensor('R', a, b, c, d));
    return [
      part('gaussW', A4, gaussW, false),
      part('BW', A4, bW, false),
      part('PW', A4, pW),
      part('gauss', A4, gauss, false),
      part('B', A4, bb, false),
      part('P', A4, pp),
      part('R', A4, rr, false),
    ];
  },
};
