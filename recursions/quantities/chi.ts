/**
 * χ_∥, χ_⊥ — the parallel and perpendicular susceptibilities of the kernel map K → C_b + C_W⟨σσ⟩_K at each
 * input α (Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), §5.1, the criticality
 * analysis of the kernel):
 *
 *   χ_∥(K) = C_W d⟨σ²⟩_K/dK = (C_W/2K²)⟨σσ(z² − K)⟩_K = (C_W/K)⟨z σ σ'⟩_K = (C_W/2)⟨(σ²)''⟩_K = C_W⟨σ'² + σσ''⟩_K,
 *   χ_⊥(K) = C_W⟨σ'σ'⟩_K,
 *
 * all forms equal by Gaussian integration by parts (Stein's lemma ⟨z f(z)⟩ = K⟨f'(z)⟩). χ_∥ governs a
 * perturbation of the diagonal kernel K_αα (δK⁽ℓ⁺¹⁾ = χ_∥ δK⁽ℓ⁾), χ_⊥ one of the off-diagonal part of two
 * nearly equal inputs; criticality is χ_∥ = χ_⊥ = 1 at the fixed point (src/criticality, docs/criticality.md).
 *
 * Layer convention (PDLT ch. 4–5): the value reported at layer ℓ is evaluated on that layer's kernel,
 * χ⁽ℓ⁾_α = χ(K⁽ℓ⁾_αα), with the C_W of layer ℓ+1 — the susceptibility of the map K⁽ℓ⁾ → K⁽ℓ⁺¹⁾ that appears in
 * the recursions of layer ℓ+1 (e.g. V⁽ℓ⁺¹⁾ = C_W²Var(σ²) + (χ_∥⁽ℓ⁾)²V⁽ℓ⁾ for one input). At the last layer L,
 * which has no layer L+1, C_W of layer L is used (the map a further layer with the same hyperparameters would
 * apply). With the same C_W in every layer the distinction disappears. The solver evaluates these quantities
 * on the layer's own kernel because their recursion says `evaluatedOn: 'same'`.
 *
 * Both are rank-1 tensors over the inputs: chi_par[α], chi_perp[α].
 */
import type { LayerEvaluator, QuantityRecursion } from '../../src/recursion-contract.ts';
import { A2, CW, E, mul, part, sig, tensor, z } from './blocks.ts';
import { fresh } from '../../src/symbolic/expr.ts';

const A1 = [A2[0]] as const;

/** χ_∥ at every input: (C_W/2)⟨(σ²)''(z_α)⟩, the derivative acting on the whole product (exact for ReLU too). */
export const parallelSusceptibilityEvaluator: LayerEvaluator = (ctx) => {
  const out = new Float64Array(ctx.m);
  for (let a = 0; a < ctx.m; a++) out[a] = (ctx.cw / 2) * ctx.expectGroups([{ input: a, orders: [0, 0], deriv: 2 }]);
  return out;
};

/** χ_⊥ at every input: C_W⟨σ'(z_α)²⟩. */
export const perpendicularSusceptibilityEvaluator: LayerEvaluator = (ctx) => {
  const out = new Float64Array(ctx.m);
  for (let a = 0; a < ctx.m; a++) out[a] = ctx.cw * ctx.expect([{ input: a, order: 1 }, { input: a, order: 1 }]);
  return out;
};

export const parallelSusceptibility: QuantityRecursion = {
  source: 'PDLT §5.1, parallel susceptibility χ_∥ = (C_W/K)⟨zσσ\'⟩_K',
  evaluatedOn: 'same',
  parts() {
    const [a] = A1;
    const b = fresh();
    // χ_∥ = C_W Σ_β K^{αβ}⟨z_β σ_α σ'_α⟩ (one input: (C_W/K)⟨zσσ'⟩); IBP gives C_W⟨σ'_ασ'_α + σ_ασ''_α⟩
    return [part('gauss', A1, mul(CW(), tensor('Kinv', a, b), E(mul(z(b), sig(a), sig(a, 1)))))];
  },
  direct: parallelSusceptibilityEvaluator,
};

export const perpendicularSusceptibility: QuantityRecursion = {
  source: 'PDLT §5.1, perpendicular susceptibility χ_⊥ = C_W⟨σ\'σ\'⟩_K',
  evaluatedOn: 'same',
  parts() {
    const [a] = A1;
    return [part('gauss', A1, mul(CW(), E(mul(sig(a, 1), sig(a, 1)))), false)];
  },
  direct: perpendicularSusceptibilityEvaluator,
};
