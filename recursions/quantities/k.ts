/**
 * K — the infinite-width kernel of the preactivations (the NNGP kernel), the Gaussian part of the two-point
 * function E[z_{i;α1} z_{j;α2}] = δ_ij (K_{α1α2} + K¹_{α1α2}/n_{ℓ−1} + …):
 *
 *   K⁽¹⁾_ab = C_b + (C_W/n₀) x_a·x_b,        K'_ab = C_b + C_W ⟨σ_a σ_b⟩_K
 *
 * Source: Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), §4.1–4.3, the kernel
 * recursion at leading order (Neal; Lee et al. 2018, "Deep Neural Networks as Gaussian Processes").
 * The solver uses the direct evaluator below (two expectations per entry); `nnft derive K` prints the form.
 */
import type { DerivFactor } from '../../src/gaussian/types.ts';
import type { LayerEvaluator, QuantityRecursion } from '../../src/recursion-contract.ts';
import { A2, CW, E, S, add, mul, param, part } from './blocks.ts';

/** The factors of σ^(order)(z_a) σ^(order)(z_b), merged when a = b. */
export function pairFactors(a: number, b: number, order: number): DerivFactor[] {
  return a === b
    ? [{ input: a, order }, { input: a, order }]
    : [{ input: a, order }, { input: b, order }];
}

/** K'_ab = C_b + C_W ⟨σ_a σ_b⟩, each unordered pair once. */
export const kernelRecursion: LayerEvaluator = (ctx) => {
  const { m, cb, cw } = ctx;
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      const v = cb + cw * ctx.expect(pairFactors(a, b, 0));
      out[a * m + b] = v;
      out[b * m + a] = v;
    }
  }
  return out;
};

export const kernel: QuantityRecursion = {
  source: 'PDLT §4.1–4.3, kernel recursion K\' = C_b + C_W⟨σσ⟩_K',
  /** K⁽¹⁾_ab = C_b + (C_W/n₀) x_a·x_b */
  firstLayer: ({ gram, n0, cb, cw }) => gram.map((x) => cb + (cw / n0) * x),
  parts() {
    const [a, b] = A2;
    return [part('gauss', A2, add(param('C_b'), mul(CW(), E(S(a, b)))), false)];
  },
  direct: kernelRecursion,
};
