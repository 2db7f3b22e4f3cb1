/**
 * Building blocks of the defining expectations in recursions/quantities/*.ts (docs/equations.md).
 *
 * How the original forms arise (layer ℓ → ℓ+1, z' = b + W σ(z), Θ̂' = δ(λ_b + λ_W/n Σ_j σσ) + Σ W W σ'σ' Θ̂):
 * conditional on layer ℓ, every layer-(ℓ+1) statistic is an average over the n_ℓ neurons j of layer ℓ of
 * S_j = σσ, P_j = σ'σ', Ω̂_j = λ_W S_j + C_W P_j Θ̂_jj (and of W-Wick contractions of these). Its 1/n
 * corrections come from (Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), ch. 4 and 8):
 *   (i)  one neuron under the quartic action:  ⟨O⟩_G = ⟨O⟩_K + ½ K¹^{β1β2}⟨O H_{β1β2}⟩ + ⅛ V^{β1β2β3β4}⟨O H_{β1β2β3β4}⟩,
 *   (ii) two neurons j ≠ k:  Cov(f(z_j), g(z_k)) = ¼ V^{β1β2β3β4} ⟨f H_{β1β2}⟩⟨g H_{β3β4}⟩,
 *   (iii) the NTK–preactivation joint statistics (the definitions of D, F, Θ¹ in docs/conventions.md), as a
 *        conditional mean linear in Hermite polynomials of z:
 *        E[ΔΘ̂_{jj;ab} | z_j] = Θ¹_ab + ½ (D_{abγ1γ2} + F_{aγ1bγ2} + F_{aγ2bγ1}) K^{γ1β1}K^{γ2β2} H_{β1β2}(z_j),
 *        E[ΔΘ̂_{jj;ab} | z_k] = ½ D_{abγ1γ2} K^{γ1β1}K^{γ2β2} H_{β1β2}(z_k)            (k ≠ j),
 *        E[Θ̂_{j1j2;ac} | z]  = F_{aγ1cγ2} K^{γ1β1}K^{γ2β2} z_{j1;β1} z_{j2;β2}         (j1 ≠ j2),
 *        E[ΔΘ̂_{jj;ab} ΔΘ̂_{kk;cd}] = A_(ab)(cd),  E[Θ̂_{j1j2;ab} Θ̂_{j1j2;cd}] = B_acbd  (j1 ≠ j2, leading order),
 *        each of which reproduces the defining cumulant (e.g. E[ΔΘ̂_{jj;ab} z_{j;c} z_{j;d}] = D + F + F).
 * Here H_{β1β2} = z_β1 z_β2 − K_β1β2 and H_{β1..β4} = z⁴ − Σ₆ K z z + Σ₃ K K are the Hermite polynomials of
 * N(0, K) and raised indices carry K⁻¹. Counting neuron pairs, the within-neuron parts come with 1/n_ℓ
 * (coefficient 1 after multiplying by n_ℓ) and the 1/n_{ℓ−1} parts with r = n_ℓ/n_{ℓ−1}.
 * Everything after that — Stein's lemma until no z is left, derivatives onto the σ's, K⁻¹K → δ, δ
 * contraction, cancellation of the Hermite subtractions, canonical collection — is done by the engine.
 * Parts entered without IBP content (`ibp: false`): the Gaussian parts C_W²(⟨SS⟩ − ⟨S⟩⟨S⟩), ⟨ΩΩ⟩ − ⟨Ω⟩⟨Ω⟩, …,
 * and the propagation terms C_W² r ⟨P⟩⟨P⟩A, C_W² r ⟨P⟩⟨P⟩B, C_W r ⟨P⟩Θ¹, read off the layer map directly.
 *
 * This module imports only the expression builders (src/symbolic/expr.ts), never the registry, so that
 * src/quantities.ts can import the quantity files without an import cycle.
 */
import type { RecursionPart } from '../../src/recursion-contract.ts';
import { E, add, expression, fresh, mul, param, scale, sig, sub, tensor, z, type Sum } from '../../src/symbolic/expr.ts';

/** C_W and r = n_ℓ/n_{ℓ−1} as expression factors. */
export const CW = (): Sum => param('C_W');
export const R = (): Sum => param('r');
/** S_ab = σ_a σ_b. */
export const S = (a: string, b: string): Sum => mul(sig(a), sig(b));
/** P_ab = σ'_a σ'_b. */
export const P = (a: string, b: string): Sum => mul(sig(a, 1), sig(b, 1));
/** Ω_ab = λ_W σ_aσ_b + C_W Θ_ab σ'_aσ'_b (Θ, layer ℓ's infinite-width NTK, outside the expectation). */
export const Om = (a: string, b: string): Sum => add(mul(param('lambda_W'), S(a, b)), mul(CW(), tensor('Theta', a, b), P(a, b)));
/** H_{b1b2}(z) = z_b1 z_b2 − K_b1b2. */
export const H2 = (b1: string, b2: string): Sum => sub(mul(z(b1), z(b2)), tensor('K', b1, b2));

/** H_{b1b2b3b4}(z) = z z z z − Σ₆ K z z + Σ₃ K K. */
export function H4(b: readonly [string, string, string, string]): Sum {
  const [p, q, s, t] = b;
  const K = (i: string, j: string): Sum => tensor('K', i, j);
  return add(
    mul(z(p), z(q), z(s), z(t)),
    scale(add(mul(K(p, q), z(s), z(t)), mul(K(p, s), z(q), z(t)), mul(K(p, t), z(q), z(s)), mul(K(q, s), z(p), z(t)), mul(K(q, t), z(p), z(s)), mul(K(s, t), z(p), z(q))), -1),
    mul(K(p, q), K(s, t)),
    mul(K(p, s), K(q, t)),
    mul(K(p, t), K(q, s)),
  );
}

/**
 * Tensor `symbol` with some slots raised by K⁻¹: slots[i] = null keeps slot i on lower[i], a name raises slot i
 * onto that index (T_{…γ…} K^{γ name}).
 */
export function raised(symbol: string, slots: readonly (string | null)[], lower: readonly string[]): Sum {
  const idx: string[] = [];
  const inv: Sum[] = [];
  slots.forEach((s, i) => {
    if (s === null) idx.push(lower[i] ?? '');
    else {
      const g = fresh();
      idx.push(g);
      inv.push(tensor('Kinv', s, g));
    }
  });
  return mul(tensor(symbol, ...idx), ...inv);
}

/** T^{b1b2} (both slots raised). */
export const up2 = (symbol: string, b1: string, b2: string): Sum => raised(symbol, [b1, b2], []);
/** T^{b1b2b3b4} (all four slots raised). */
export const up4 = (symbol: string, b: readonly [string, string, string, string]): Sum => raised(symbol, b, []);

/** Two / four new summed indices β. */
export const betas2 = (): [string, string] => [fresh(), fresh()];
export const betas4 = (): [string, string, string, string] => [fresh(), fresh(), fresh(), fresh()];

/** The output slots: α1, α2 of a 2-index quantity and α1..α4 of a 4-index one. */
export const A2 = ['a1', 'a2'] as const;
export const A4 = ['a1', 'a2', 'a3', 'a4'] as const;

/** A part of a recursion with external indices `ext`. */
export function part(label: string, ext: readonly string[], original: Sum, ibp = true): RecursionPart {
  return { label, original: expression(ext, original), ibp };
}

export { E, add, mul, num, param, sig, sub, tensor, z } from '../../src/symbolic/expr.ts';
