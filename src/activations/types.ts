/**
 * The contract every module relies on for activations (registry names, smooth and piecewise-linear kinds, exact derivatives). Implemented by src/activations/index.ts.
 */
export interface Activation {
  /** Canonical name: 'tanh', 'leaky_relu(0.1)', or 'z/(1+exp(-z))' for an expression. */
  readonly name: string;
  /**
   * 'smooth': σ is C^∞ and derivative(k) is exact for k ≤ maxOrder.
   * 'piecewise-linear': σ(z) = slopePos·z for z > 0, slopeNeg·z for z < 0 (kink at 0). derivative(0) and
   * derivative(1) are pointwise (σ' is a step; its value at 0 is the average of the two slopes); for k ≥ 2,
   * σ^(k) = (slopePos − slopeNeg)·δ^(k−2)(z) is a distribution: derivative(k) throws, and Gaussian
   * expectations reduce it analytically (src/gaussian).
   */
  readonly kind: 'smooth' | 'piecewise-linear';
  readonly f: (z: number) => number;
  derivative(k: number): (z: number) => number;
  /**
   * Smooth σ only: a compiled tabulator writing σ^(k)(zs[p]) into out[k][p] for k = 0..kmax in one pass
   * (shared subexpressions evaluated once per point). Used by src/gaussian for its quadrature tables.
   */
  jet?(kmax: number): (zs: Float64Array, out: Float64Array[]) => void;
  /** Highest derivative order available for smooth activations (≥ 6). */
  readonly maxOrder: number;
  readonly pl?: { readonly slopeNeg: number; readonly slopePos: number };
  /**
   * Set when σ (an expression) is undefined or singular somewhere on the real line — e.g. log(z), sqrt(z), 1/z —
   * so that it has no Gaussian expectations: a sentence saying where (src/activations/domain.ts). Consumers
   * refuse such an activation before integrating or sampling.
   */
  readonly singularity?: string;
  /** σ as an expression in z (mathjs/nerdamer syntax) and as LaTeX. */
  readonly expression: string;
  readonly latex: string;
}
