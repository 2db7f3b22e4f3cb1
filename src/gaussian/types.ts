/** Contracts of src/gaussian: derivative factors of products of σ^(k), options and results of the quadratures. */
import type { Float64Arena } from './arena.ts';

/** One factor σ^(order)(z_input) of a product integrand; input indexes the rows of K. */
export interface DerivFactor {
  readonly input: number;
  readonly order: number;
}

export interface GaussOptions {
  /** Nodes per dimension for tensor Gauss–Hermite (the implementation picks a safe default). */
  order?: number;
  /** Relative tolerance of eigenvalues treated as zero when K is singular. */
  rankTol?: number;
  /**
   * Target relative accuracy of smooth-activation products (default 1e-13): sets the calibrated
   * trapezoid step and truncation of src/gaussian/smooth.ts. Ignored when `order` is given (then a
   * tensor Gauss–Hermite rule of that order is used).
   */
  tol?: number;
  /**
   * Scratch storage for the quadrature tables of makeLayerExpectation (src/gaussian/arena.ts). The recursion
   * solver passes one arena and resets it between layers; an evaluator must not be used after its arena is reset.
   */
  arena?: Float64Arena;
  /**
   * Whether the three- and four-input expectations of a kernel of rank 3 (layer 1 over inputs that span three
   * dimensions) share one quadrature rule over the kernel's range (src/gaussian/shared-rule.ts; default true) or
   * each subset of inputs gets its own. Both deliver the calibrated tolerance; they differ within it.
   */
  sharedRule?: boolean;
}

export interface GaussResult {
  value: number;
  /** |value(order) − value(lower order)|: a quadrature error estimate. */
  error: number;
}

/** Why the calibrated trapezoid rule (src/gaussian/smooth.ts) cannot certify a step. */
export type CalibrationFailure =
  /** no step h ≥ h_min (or one needing ≤ MAX_TRAPEZOID_NODES nodes) converges: σ's features are narrow against the Gaussian */
  | { kind: 'resolution'; s: number }
  /** σ^(order)(z) is NaN or ±Infinity at a node where the Gaussian weight is not negligible */
  | { kind: 'nonfinite'; s: number; z: number; order: number; value: number }
  /** |σ|^power · φ does not become negligible within |u| ≤ 40 (or overflows): divergent or too large */
  | { kind: 'growth'; s: number; power: number; u: number; overflow: boolean };
