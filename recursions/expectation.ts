/**
 * The per-layer expectations handed to evaluators through RecursionContext (src/recursion-contract.ts): `expect` and
 * `expectGroups` of src/gaussian/groups.ts (grouped derivatives, exact piecewise-linear reductions, and for two
 * nearly collinear inputs the contraction-ready form described there).
 */
import type { Activation } from '../src/activations/types.ts';
import type { Float64Arena } from '../src/gaussian/index.ts';
import { makeLayerExpectations as make, type LayerExpectations } from '../src/gaussian/groups.ts';
import type { PairMode } from '../src/gaussian/pair.ts';
import type { DD } from '../src/gaussian/dd.ts';

export type { LayerExpectations } from '../src/gaussian/groups.ts';

/** Both expectation forms for one layer kernel K (validated once by src/gaussian). */
export function makeLayerExpectations(
  act: Activation, K: number[][], arena?: Float64Arena, nearNull?: PairMode, pairKernel?: (i: number, j: number) => readonly [DD, DD, DD] | undefined,
): LayerExpectations {
  return make(act, K, { arena, ...(nearNull ? { nearNull } : {}), ...(pairKernel ? { pairKernel } : {}) });
}
