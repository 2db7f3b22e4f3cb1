/**
 * The infinite-width recursions, evaluated directly (DESIGN §4; PDLT eqs. (4.118) and (8.12) in our
 * normalisation):
 *
 *   K'_ab = C_b + C_W ⟨σ_a σ_b⟩_K,                       Θ'_ab = λ_b + λ_W ⟨σ_a σ_b⟩_K + C_W ⟨σ'_a σ'_b⟩_K Θ_ab.
 *
 * These are the production evaluators (the hand-typed oracle in reference.ts builds the same expectations through
 * its polynomial algebra, which costs more than the integrals at two inputs).
 */
import type { DerivFactor } from '../src/gaussian/types.ts';
import type { LayerEvaluator } from './types.ts';

function pairFactors(a: number, b: number, order: number): DerivFactor[] {
  return a === b
    ? [{ input: a, order }, { input: a, order }]
    : [{ input: a, order }, { input: b, order }];
}

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

export const ntkRecursion: LayerEvaluator = (ctx) => {
  const { m, cw, lambdaB, lambdaW } = ctx;
  const th = ctx.prev.Theta;
  if (!th) throw new Error('the Θ recursion needs the previous layer\'s Theta');
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      const v = lambdaB + lambdaW * ctx.expect(pairFactors(a, b, 0)) + cw * ctx.expect(pairFactors(a, b, 1)) * th[a * m + b]!;
      out[a * m + b] = v;
      out[b * m + a] = v;
    }
  }
  return out;
};
