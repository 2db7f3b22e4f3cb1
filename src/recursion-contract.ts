/**
 * The layer-evaluation contract shared by the quantity definitions (recursions/quantities/), the symbolic
 * engine that compiles them (src/symbolic) and the recursion solver (recursions/index.ts). Conventions:
 * docs/conventions.md.
 *
 * Tensors are flat Float64Arrays over input indices, row-major:
 *   1-index T[a]               → data[a]
 *   2-index T[a][b]            → data[a*m + b]
 *   4-index T[a1][a2][a3][a4]  → data[((a1*m + a2)*m + a3)*m + a4]
 * V4[a1][a2][a3][a4] = V_{(α1α2)(α3α4)}; A[a][b][c][d] = A_{(ab)(cd)}; B, D, F in the slot order of
 * docs/conventions.md. Finite-width quantities are stored WITHOUT the 1/n_{ℓ−1} factor.
 */
import type { DerivFactor } from './gaussian/types.ts';
import type { Expression } from './symbolic/expr.ts';

/** Layer ℓ's tensors computed so far, by quantity name (src/quantities.ts); K is always present. */
export interface LayerTensors {
  K: Float64Array;
  [quantity: string]: Float64Array | undefined;
}

/** A group of factors at one input with a derivative acting on their whole product (src/gaussian/groups.ts). */
export type { DerivGroup } from './gaussian/groups.ts';
import type { DerivGroup } from './gaussian/groups.ts';

/** Everything an evaluator needs to produce layer ℓ+1's tensor from layer ℓ's. */
export interface RecursionContext {
  m: number;
  /** C_b, C_W, λ_b, λ_W of layer ℓ+1 (the layer being computed). */
  cb: number;
  cw: number;
  lambdaB: number;
  lambdaW: number;
  /** r = n_ℓ / n_{ℓ−1}: the ratio of the widths feeding layers ℓ+1 and ℓ. */
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
   * (σ²)'''' = 2δ' for ReLU, while its product-rule terms σ''σ'' = δ² are undefined). For two nearly collinear
   * inputs and piecewise-linear σ the value is the contraction-ready form of src/gaussian/pair.ts: components that
   * grow as the angle closes are kept only while the stored layer tensors (V, K¹, D, F) can resolve their
   * contribution, so it is meant for contraction with those tensors, not as a stand-alone expectation.
   */
  expectGroups(groups: readonly DerivGroup[]): number;
}

/** Computes one quantity of layer ℓ+1 (a flat tensor, layout above). */
export type LayerEvaluator = (ctx: RecursionContext) => Float64Array;

/** What a layer-1 value may depend on: the inputs' Gram matrix and layer 1's hyperparameters. */
export interface FirstLayerContext {
  m: number;
  /** the input dimension n₀ */
  n0: number;
  /** x_a·x_b, flat m×m */
  gram: Float64Array;
  cb: number;
  cw: number;
  lambdaB: number;
  lambdaW: number;
}

/** One part of a recursion (for Θ¹: one of the five diagrams of Guillen, Misof, Gerken). */
export interface RecursionPart {
  /** Short label: 'gauss', 'chi', 'K1', 'V', 'D', 'F', … */
  label: string;
  /** The defining expectation in its original form (inverse kernels, Hermite polynomials), as entered. */
  original: Expression;
  /** Whether the part needs integration by parts (false: read off the layer map as it stands). */
  ibp: boolean;
}

/**
 * The layer-to-layer recursion of one quantity, as written in recursions/quantities/<name>.ts: the engine
 * (src/symbolic) integrates `parts()` by parts, prints the result and compiles it into a LayerEvaluator.
 */
export interface QuantityRecursion {
  /** The paper and equation the parts implement (docs/equations.md lists them all). */
  source: string;
  /** The defining expectation, part by part, built afresh on each call (new dummy index names). */
  parts(): RecursionPart[];
  /**
   * The value at layer 1, where the network is linear in its inputs (K, Θ). Absent: zero for a finite-width
   * quantity (layer 1 is Gaussian), otherwise the quantity starts at layer 2.
   */
  firstLayer?: (ctx: FirstLayerContext) => Float64Array;
  /**
   * A hand-written evaluator of the same equation that the solver uses instead of the compiled one (K and Θ:
   * two expectations per entry, where the generated code's tables cost more than the integrals).
   */
  direct?: LayerEvaluator;
  /**
   * 'next' (default): the evaluator builds layer ℓ+1's tensor from layer ℓ's. 'same': the value describes layer ℓ
   * itself — a function of K⁽ℓ⁾ and of the map ℓ → ℓ+1, such as the susceptibilities χ_∥, χ_⊥
   * (recursions/quantities/chi.ts) — so the solver evaluates it on every layer ℓ with expectations over K⁽ℓ⁾ and
   * the hyperparameters of layer ℓ+1 (those of layer L at the last layer), and reports it at layer ℓ.
   */
  evaluatedOn?: 'next' | 'same';
  /**
   * Why the quantity does not exist for a piecewise-linear σ (its expectations contain products of δ-functions at one
   * point, which diverge): the solver refuses such a request with this reason. Absent: defined for every σ.
   */
  notForPiecewiseLinear?: string;
}
