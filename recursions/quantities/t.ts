/**
 * T — mean of the second ddNTK, the δ_{i1i3}δ_{i2i4} channel of E[ddIIΘ̂_{i1i2i3i4}] (./s.ts, ./r.ts). Defining
 * expectation (original form; F as in ./f.ts, Q as in ./q.ts):
 *
 *   T'_{1234} = λ_W² [ Θ_12 ⟨σ'_1 σ'_2 σ_3 σ_4⟩ + r F_1^{β1}_2^{β2} ⟨σ'_1 σ_3 z_β1⟩ ⟨σ'_2 σ_4 z_β2⟩ ]
 *             + λ_W C_W [ Θ_12 Θ_24 ⟨σ'_1 σ''_2 σ_3 σ'_4⟩ + r Θ_24 F_1^{β1}_2^{β2} ⟨σ'_1 σ_3 z_β1⟩ ⟨σ''_2 σ'_4 z_β2⟩
 *                         + r ⟨σ'_2 σ'_4⟩ Q_{241}^{β} ⟨σ'_1 σ_3 z_β⟩
 *                         + Θ_12 Θ_13 ⟨σ''_1 σ'_2 σ'_3 σ_4⟩ + r Θ_13 F_1^{β1}_2^{β2} ⟨σ''_1 σ'_3 z_β1⟩ ⟨σ'_2 σ_4 z_β2⟩
 *                         + r ⟨σ'_1 σ'_3⟩ Q_{132}^{β} ⟨σ'_2 σ_4 z_β⟩ ]
 *             + C_W² [ Θ_12 Θ_13 Θ_24 ⟨σ''_1 σ''_2 σ'_3 σ'_4⟩ + r Θ_13 Θ_24 F_1^{β1}_2^{β2} ⟨σ''_1 σ'_3 z_β1⟩ ⟨σ''_2 σ'_4 z_β2⟩
 *                      + r Θ_13 ⟨σ'_2 σ'_4⟩ Q_{241}^{β} ⟨σ''_1 σ'_3 z_β⟩ + r Θ_24 ⟨σ'_1 σ'_3⟩ Q_{132}^{β} ⟨σ''_2 σ'_4 z_β⟩
 *                      + r ⟨σ'_1 σ'_3⟩ ⟨σ'_2 σ'_4⟩ T_{1234} ],                                            T⁽¹⁾ = 0.
 *
 * The λ_W² line: both outer derivatives (to z'_{i3}, z'_{i4}) in weights of this layer, i.e. (λ_W/C_W)² F⁽ℓ⁺¹⁾_{1324};
 * the λ_W C_W lines: one of them in this layer, the other two-derivative vertex below; the C_W² line: all below.
 * For piecewise-linear σ, ⟨σ''_1 σ''_2 …⟩ at α1 = α2 is ⟨δ(z)² …⟩ = ∞: T does not exist there (docs/dntk.md).
 *
 * Source: Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), ch. ∞, §∞.3 (ddNTK recursions),
 * in this toolkit's normalisation and slot order (T_{α1α2α3α4} indexed like ddIIΘ̂, not permuted).
 */
import type { QuantityRecursion } from '../../src/recursion-contract.ts';
import type { Sum } from '../../src/symbolic/expr.ts';
import { A4, CW, E, R, betas2, mul, param, part, raised, sig, tensor, z } from './blocks.ts';

/** F_x^{β1}_y^{β2} ⟨f z_β1⟩ ⟨g z_β2⟩ (raised z slots of F, Θ̂ slots x, y). */
function fPair(x: string, y: string, f: Sum, g: Sum): Sum {
  const bs = betas2();
  return mul(raised('F', [null, bs[0], null, bs[1]], [x, '', y, '']), E(mul(f, z(bs[0]))), E(mul(g, z(bs[1]))));
}

/** Q_{xyw}^{β} ⟨f z_β⟩. */
function qOne(x: string, y: string, w: string, f: Sum): Sum {
  const [beta] = betas2();
  return mul(raised('Q', [null, null, null, beta], [x, y, w, '']), E(mul(f, z(beta))));
}

export const ddntkMeanT: QuantityRecursion = {
  source: 'PDLT §∞.3, mean of the second ddNTK, T channel',
  notForPiecewiseLinear: '⟨σ″_1 σ″_2 …⟩ at coinciding inputs is ⟨δ(z)² …⟩ = ∞ (docs/dntk.md)',
  parts() {
    const [a, b, c, d] = A4;
    const lw = param('lambda_W');
    const th = (x: string, y: string): Sum => tensor('Theta', x, y);
    const p2 = (x: string, y: string): Sum => E(mul(sig(x, 1), sig(y, 1)));
    const ww = mul(
      lw, lw,
      mul(th(a, b), E(mul(sig(a, 1), sig(b, 1), sig(c), sig(d)))),
    );
    const wwF = mul(lw, lw, R(), fPair(a, b, mul(sig(a, 1), sig(c)), mul(sig(b, 1), sig(d))));
    const wc = mul(lw, CW(), mul(th(a, b), th(b, d), E(mul(sig(a, 1), sig(b, 2), sig(c), sig(d, 1)))));
    const wcF = mul(lw, CW(), R(), th(b, d), fPair(a, b, mul(sig(a, 1), sig(c)), mul(sig(b, 2), sig(d, 1))));
    const wcQ = mul(lw, CW(), R(), p2(b, d), qOne(b, d, a, mul(sig(a, 1), sig(c))));
    const cw = mul(lw, CW(), mul(th(a, b), th(a, c), E(mul(sig(a, 2), sig(b, 1), sig(c, 1), sig(d)))));
    const cwF = mul(lw, CW(), R(), th(a, c), fPair(a, b, mul(sig(a, 2), sig(c, 1)), mul(sig(b, 1), sig(d))));
    const cwQ = mul(lw, CW(), R(), p2(a, c), qOne(a, c, b, mul(sig(b, 1), sig(d))));
    const cc = mul(CW(), CW(), th(a, b), th(a, c), th(b, d), E(mul(sig(a, 2), sig(b, 2), sig(c, 1), sig(d, 1))));
    const ccF = mul(CW(), CW(), R(), th(a, c), th(b, d), fPair(a, b, mul(sig(a, 2), sig(c, 1)), mul(sig(b, 2), sig(d, 1))));
    const ccQ = mul(CW(), CW(), R(), th(a, c), p2(b, d), qOne(b, d, a, mul(sig(a, 2), sig(c, 1))));
    const ccQ2 = mul(CW(), CW(), R(), th(b, d), p2(a, c), qOne(a, c, b, mul(sig(b, 2), sig(d, 1))));
    const tt = mul(CW(), CW(), R(), p2(a, c), p2(b, d), tensor('T', a, b, c, d));
    return [
      part('gaussWW', A4, ww, false),
      part('FWW', A4, wwF),
      part('gaussW', A4, [...wc, ...cw], false),
      part('FW', A4, [...wcF, ...cwF]),
      part('QW', A4, [...wcQ, ...cwQ]),
      part('gauss', A4, cc, false),
      part('F', A4, ccF),
      part('Q', A4, [...ccQ, ...ccQ2]),
      part('T', A4, tt, false),
    ];
  },
};
