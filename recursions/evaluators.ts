/**
 * The one registry through which the solver gets its layer-to-layer evaluators (issue 4: one code path).
 *
 * - K and Θ are direct (DESIGN §4): K' = C_b + C_W⟨σσ⟩, Θ' = λ_b + λ_W⟨σσ⟩ + C_W⟨σ'σ'⟩Θ.
 * - The O(1/n) quantities come from the symbolic engine's compiled evaluators (src/symbolic
 *   `compileRecursion(name)`, derived by Gaussian integration by parts) for every name in FROM_SYMBOLIC;
 *   a quantity not listed there falls back to the hand-typed DESIGN §4 form in recursions/reference.ts,
 *   which otherwise serves only as the tests' independent oracle.
 */
import type { LayerEvaluator, QuantityName } from './types.ts';
import { referenceEvaluators } from './reference.ts';

export type FiniteQuantity = Exclude<QuantityName, 'K' | 'Theta'>;
export type EvaluatorSource = 'direct' | 'symbolic' | 'reference';

/** Quantities taken from src/symbolic's compiled evaluators (the switch). */
const FROM_SYMBOLIC: readonly FiniteQuantity[] = [];

type Compile = (name: FiniteQuantity) => LayerEvaluator;
const compile: Compile | null = null;

const cache = new Map<QuantityName, LayerEvaluator>();

export function evaluatorSource(q: QuantityName): EvaluatorSource {
  if (q === 'K' || q === 'Theta') return 'direct';
  return compile && FROM_SYMBOLIC.includes(q) ? 'symbolic' : 'reference';
}

/** The evaluator the solver uses for quantity q (compiled once, then cached). */
export function getEvaluator(q: QuantityName): LayerEvaluator {
  let ev = cache.get(q);
  if (!ev) {
    ev = evaluatorSource(q) === 'symbolic' ? compile!(q as FiniteQuantity) : referenceEvaluators[q];
    cache.set(q, ev);
  }
  return ev;
}
