/**
 * Contract between the recursion solver (recursions/) and the symbolic engine's compiled evaluators
 * (src/symbolic). Tensors are flat Float64Arrays over input indices, row-major:
 *   2-index T[a][b]            → data[a*m + b]
 *   4-index T[a1][a2][a3][a4]  → data[((a1*m + a2)*m + a3)*m + a4]
 * V4[a1][a2][a3][a4] = V_{(α1α2)(α3α4)}; A[a][b][c][d] = A_{(ab)(cd)}; B, D, F in the DESIGN §3/§4 slot order.
 * All finite-width quantities WITHOUT the 1/n_{ℓ−1} factor (DESIGN §3).
 */
import type { DerivFactor } from '../src/gaussian/types.ts';

export type QuantityName = 'K' | 'Theta' | 'V4' | 'K1' | 'Theta1' | 'A' | 'B' | 'D' | 'F';

/** The per-layer tensors of layer ℓ (those computed so far). */
export interface LayerTensors {
  K: Float64Array;
  Theta?: Float64Array;
  V4?: Float64Array;
  K1?: Float64Array;
  Theta1?: Float64Array;
  A?: Float64Array;
  B?: Float64Array;
  D?: Float64Array;
  F?: Float64Array;
}

/**
 * A group of factors at one input with a derivative acting on their whole product:
 * (d/dz)^deriv [ Π_{k ∈ orders} σ^(k)(z) ] at z = z_input. (Added for issue 3: see RecursionContext.expectGroups.)
 */
export interface DerivGroup {
  input: number;
  orders: readonly number[];
  deriv: number;
}

/** Everything an evaluator needs to produce layer ℓ+1's tensor from layer ℓ's. */
export interface RecursionContext {
  m: number;
  /** C_b, C_W, λ_b, λ_W of layer ℓ+1 (the layer being computed). */
  cb: number;
  cw: number;
  lambdaB: number;
  lambdaW: number;
  /** r = n_ℓ / n_{ℓ−1} (DESIGN §4); the ratio of the widths feeding layers ℓ+1 and ℓ. */
  r: number;
  /** Layer ℓ's tensors. */
  prev: LayerTensors;
  /**
   * ⟨Π_i σ^(order_i)(z_{input_i})⟩ over z ~ N(0, K^(ℓ)) — cached per layer, so an evaluator may call it
   * freely; distributions (δ terms of piecewise-linear σ) are reduced analytically by src/gaussian.
   */
  expect(factors: readonly DerivFactor[]): number;
  /**
   * ⟨Π_g ∂^{deriv_g}[Π_{k ∈ orders_g} σ^(k)](z_{input_g})⟩ over N(0, K^(ℓ)), groups at distinct inputs, cached per
   * layer. Use it for IBP terms ⟨∂δ1…∂δk O⟩: collect O's factors by input and let the derivatives act on each
   * input's whole product. For smooth σ this equals the product-rule expansion through `expect`; for
   * piecewise-linear σ it is the only well-defined form when two factors share an input (e.g. a = b in S_ab:
   * (σ²)'''' = 2δ' for ReLU, while its product-rule terms σ''σ'' = δ² are undefined).
   */
  expectGroups(groups: readonly DerivGroup[]): number;
}

/** Computes one quantity of layer ℓ+1 (a flat tensor, layout above). */
export type LayerEvaluator = (ctx: RecursionContext) => Float64Array;
