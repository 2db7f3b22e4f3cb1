/**
 * Θ — the infinite-width (frozen) neural tangent kernel, the mean of Θ̂ = Σ_μ λ_μ ∂z/∂θ_μ ∂z/∂θ_μ at leading
 * order (parameterisation λ_b, λ_W/n_{ℓ−1}: docs/conventions.md):
 *
 *   Θ⁽¹⁾_ab = λ_b + (λ_W/n₀) x_a·x_b,        Θ'_ab = λ_b + λ_W ⟨σ_a σ_b⟩_K + C_W ⟨σ'_a σ'_b⟩_K Θ_ab
 *
 * Source: Jacot, Gabriel, Hongler, "Neural Tangent Kernel" (the layer recursion of the limiting NTK);
 * PDLT ch. 8, §8.1–8.3 (the NTK forward equation and its mean at leading order) in this normalisation.
 * The solver uses the direct evaluator below; `nnft derive Theta` prints the form.
 */
import type { LayerEvaluator, QuantityRecursion } from '../../src/recursion-contract.ts';
import { pairFactors } from './k.ts';
import { A2, CW, E, P, S, add, mul, param, part, tensor } from './blocks.ts';

/** Θ'_ab = λ_b + λ_W ⟨σ_aσ_b⟩ + C_W ⟨σ'_aσ'_b⟩ Θ_ab, each unordered pair once. */
export const ntkRecursion: LayerEvaluator = (ctx) => {
  const { m, cw, lambdaB, lambdaW } = ctx;
  const th = ctx.prev.Theta;
  if (!th) throw new Error('the Θ recursion needs the previous layer\'s Theta');
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      const v = lambdaB + lambdaW * ctx.expect(pairFactors(a, b, 0)) + cw * ctx.expect(pairFactors(a, b, 1)) * (th[a * m + b] ?? NaN);
      out[a * m + b] = v;
      out[b * m + a] = v;
    }
  }
  return out;
};

export const theta: QuantityRecursion = {
  source: 'Jacot, Gabriel, Hongler, "Neural Tangent Kernel"; PDLT ch. 8, NTK forward equation at leading order',
  /** Θ⁽¹⁾_ab = λ_b + (λ_W/n₀) x_a·x_b */
  firstLayer: ({ gram, n0, lambdaB, lambdaW }) => gram.map((x) => lambdaB + (lambdaW / n0) * x),
  parts() {
    const [a, b] = A2;
    return [part('gauss', A2, add(param('lambda_b'), mul(param('lambda_W'), E(S(a, b))), mul(CW(), tensor('Theta', a, b), E(P(a, b)))), false)];
  },
  direct: ntkRecursion,
};
