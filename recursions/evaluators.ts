/**
 * The one registry through which the solver gets its layer-to-layer evaluators (issue 4: one code path).
 *
 * - K and Θ are direct (DESIGN §4, recursions/kernel.ts): K' = C_b + C_W⟨σσ⟩, Θ' = λ_b + λ_W⟨σσ⟩ + C_W⟨σ'σ'⟩Θ.
 * - The O(1/n) quantities come from the symbolic engine's compiled evaluators (src/symbolic
 *   `compileRecursion(name)`, derived by Gaussian integration by parts) for every name in FROM_SYMBOLIC.
 *   A quantity not listed there falls back to the hand-typed DESIGN §4 form in recursions/reference.ts,
 *   which otherwise serves only as the tests' independent oracle.
 * - SYMBOLIC_HANDLES_PIECEWISE: the compiled evaluators keep ⟨∂δ1…∂δk Πσ⟩ grouped and call ctx.expectGroups
 *   (derivatives at one input act on that input's whole product), which is well defined for piecewise-linear σ
 *   too (product-rule terms such as σ''_aσ''_a = δ² are not); so they serve every activation.
 */
import type { LayerEvaluator, QuantityName } from './types.ts';
import { referenceEvaluators } from './reference.ts';
import { kernelRecursion, ntkRecursion } from './kernel.ts';
import { compileRecursion } from '../src/symbolic/index.ts';

export type FiniteQuantity = Exclude<QuantityName, 'K' | 'Theta'>;
export type EvaluatorSource = 'direct' | 'symbolic' | 'reference';
export type ActivationKind = 'smooth' | 'piecewise-linear';

/** Quantities taken from src/symbolic's compiled evaluators (the switch). */
const FROM_SYMBOLIC: readonly FiniteQuantity[] = ['V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'];
/** Whether the compiled evaluators are well defined for piecewise-linear σ (see the module comment). */
const SYMBOLIC_HANDLES_PIECEWISE = true;

const cache = new Map<string, LayerEvaluator>();

export function evaluatorSource(q: QuantityName, kind: ActivationKind = 'smooth'): EvaluatorSource {
  if (q === 'K' || q === 'Theta') return 'direct';
  if (!FROM_SYMBOLIC.includes(q)) return 'reference';
  return kind === 'smooth' || SYMBOLIC_HANDLES_PIECEWISE ? 'symbolic' : 'reference';
}

/** The evaluator the solver uses for quantity q and an activation of the given kind (compiled once, cached). */
export function getEvaluator(q: QuantityName, kind: ActivationKind = 'smooth'): LayerEvaluator {
  const src = evaluatorSource(q, kind);
  const key = `${q}:${src}`;
  let ev = cache.get(key);
  if (!ev) {
    ev = src === 'symbolic' ? compileRecursion(q) : src === 'direct' ? (q === 'K' ? kernelRecursion : ntkRecursion) : referenceEvaluators[q];
    cache.set(key, ev);
  }
  return ev;
}
