/**
 * Probabilists' Gauss–Hermite rules: Σ_i w_i f(x_i) ≈ ∫ f(x) φ(x) dx with φ the standard normal density,
 * exact for polynomials of degree ≤ 2n − 1; the weights sum to 1.
 *
 * Golub–Welsch (implicit QL on the Jacobi matrix, diagonal 0, off-diagonal √k) gives starting nodes;
 * each node is then polished by Newton on the orthonormal three-term recurrence, and the weight is
 * w = φ(x)/(n ψ_{n−1}(x)²) evaluated with Hermite functions ψ_k = p_k √φ kept in a scaled form so that
 * no overflow occurs for any n. Nodes are exactly symmetric. Rules are cached.
 */
import { NnftInputError } from '../errors.ts';
import { tridiagonalQl } from '../tridiagonal-ql.ts';

export interface GaussHermiteRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

const cache = new Map<number, GaussHermiteRule>();
export const MAX_GH_ORDER = 2000;

/**
 * Hermite functions at x: returns {pn, pn1, logScale} with p_n(x)·√φ(x) = pn·e^{logScale},
 * p_{n−1}(x)·√φ(x) = pn1·e^{logScale}, for the orthonormal polynomials p_k = He_k/√k!.
 */
function hermiteFunctions(n: number, x: number): { pn: number; pn1: number; logScale: number } {
  let logScale = -0.25 * x * x - 0.25 * Math.log(2 * Math.PI);
  let pkm1 = 0;
  let pk = 1;
  for (let k = 0; k < n; k++) {
    const next = (x * pk - Math.sqrt(k) * pkm1) / Math.sqrt(k + 1);
    pkm1 = pk;
    pk = next;
    const a = Math.abs(pk);
    if (a > 1e150) {
      pk *= 1e-150;
      pkm1 *= 1e-150;
      logScale += 150 * Math.LN10;
    }
  }
  return { pn: pk, pn1: pkm1, logScale };
}

/** The n-point probabilists' Gauss–Hermite rule (n ≥ 1). */
export function gaussHermite(n: number): GaussHermiteRule {
  if (!Number.isInteger(n) || n < 1 || n > MAX_GH_ORDER) {
    throw new NnftInputError('order', `Gauss–Hermite order must be an integer in 1..${MAX_GH_ORDER}, got ${n}`);
  }
  const hit = cache.get(n);
  if (hit) return hit;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let k = 1; k < n; k++) e[k - 1] = Math.sqrt(k);
  const eig = Array.from(tridiagonalQl(d, e, { maxSweeps: 60, notConverged: () => new Error('tridiagonal eigen-solver did not converge') })).sort((a, b) => a - b);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) {
    if (i < n - 1 - i) {
      // polish the positive node of the symmetric pair (index n−1−i) and mirror
      let x = Math.abs(eig[n - 1 - i]!);
      for (let it = 0; it < 8; it++) {
        const { pn, pn1 } = hermiteFunctions(n, x);
        const dx = pn / (Math.sqrt(n) * pn1); // p_n' = √n p_{n−1}; the √φ factors cancel up to the x/2 term at a root
        x -= dx;
        if (Math.abs(dx) <= 1e-16 * Math.max(1, Math.abs(x))) break;
      }
      const { pn1, logScale } = hermiteFunctions(n, x);
      // w = φ(x) / (n p_{n−1}(x)²) = 1/(n ψ²)·φ/φ... with ψ = p √φ: p² = ψ²/φ → w = φ²/(n ψ²)·(1/φ) = φ/(n ψ²)
      // ψ_{n−1} = pn1·e^{logScale}; φ = e^{−x²/2}/√(2π)
      const logW = -0.5 * x * x - 0.5 * Math.log(2 * Math.PI) - Math.log(n) - 2 * (Math.log(Math.abs(pn1)) + logScale);
      const w = Math.exp(logW);
      nodes[n - 1 - i] = x;
      nodes[i] = -x;
      weights[n - 1 - i] = w;
      weights[i] = w;
    } else if (i === n - 1 - i) {
      nodes[i] = 0;
      const { pn1, logScale } = hermiteFunctions(n, 0);
      weights[i] = Math.exp(-0.5 * Math.log(2 * Math.PI) - Math.log(n) - 2 * (Math.log(Math.abs(pn1)) + logScale));
    }
  }
  void half;
  const rule = { nodes, weights };
  cache.set(n, rule);
  return rule;
}
