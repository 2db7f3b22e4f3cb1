/**
 * Time-ordered sums and integrals of products of geometric (gradient descent) or exponential (gradient flow) factors,
 * the building blocks of the O(1/n) training dynamics (src/training/finite-width.ts, docs/dntk.md).
 *
 * Gradient descent. With gaps g_0, …, g_K ≥ 0 and Σ g_i = M, the sum Σ Π_i y_i^{g_i} is the complete homogeneous
 * symmetric polynomial h_M(y_0, …, y_K); it equals the (0, K) entry of J^{M+K} for the upper bidiagonal J with diagonal
 * y and unit superdiagonal (each path through J picks the y's it stays on). It is evaluated by binary powering of J
 * (O(K³ log M), no subtraction, so no cancellation when some y_i are close to 1 or to each other).
 * Gradient flow. ∫ over the simplex Σ g_i = t of Π_i e^{−b_i g_i} is the (0, K) entry of exp(−tB), B upper bidiagonal
 * with diagonal b and superdiagonal −1 (Opitz: the entries of the exponential of a bidiagonal matrix are divided
 * differences of the exponential at its diagonal); evaluated by scaling and squaring with a Taylor series on the
 * scaled matrix, so coinciding or nearly coinciding rates need no special case.
 * Infinite time: h_∞ (resp. the integral as t → ∞) is Π 1/(1 − y_i) (resp. Π 1/b_i) over the other gaps when exactly
 * one y_i = 1 (b_i = 0), and 0 when every |y_i| < 1 (b_i > 0).
 */

/** A geometric factor y and 1 − y, carried separately so that 1 − y is exact for y = Π (1 − ηλ_k). */
export interface Geometric {
  y: number;
  oneMinus: number;
}

export const ONE_FACTOR: Geometric = { y: 1, oneMinus: 0 };

/** (1 − ηλ) as a factor. */
export function stepFactor(eta: number, lambda: number): Geometric {
  return { y: 1 - eta * lambda, oneMinus: eta * lambda };
}

/** Product of factors: 1 − xy = (1 − x) + x(1 − y). */
export function productFactor(fs: readonly Geometric[]): Geometric {
  let y = 1;
  let om = 0;
  for (const f of fs) {
    om = om + y * f.oneMinus;
    y *= f.y;
  }
  return { y, oneMinus: om };
}

/** C = A·B for k×k upper triangular matrices (row-major). */
function mulUpper(A: Float64Array, B: Float64Array, k: number): Float64Array<ArrayBuffer> {
  const C = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let l = i; l <= j; l++) s += A[i * k + l]! * B[l * k + j]!;
      C[i * k + j] = s;
    }
  }
  return C;
}

/** h_M(y_0, …, y_K) for M ≥ 0 (0 for M < 0); M = Infinity gives the limit. */
export function homogeneousSum(ys: readonly Geometric[], M: number): number {
  const k = ys.length;
  if (M < 0) return 0;
  if (M === Infinity) {
    let ones = 0;
    let prod = 1;
    for (const f of ys) {
      if (f.oneMinus === 0) ones++;
      else prod /= f.oneMinus;
    }
    if (ones > 1) throw new Error('homogeneousSum: the infinite-time limit diverges (two unit factors)');
    return ones === 1 ? prod : 0;
  }
  if (k === 1) return ys[0]!.y ** M;
  const J = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    J[i * k + i] = ys[i]!.y;
    if (i + 1 < k) J[i * k + i + 1] = 1;
  }
  let e = M + k - 1;
  let result: Float64Array<ArrayBuffer> | null = null;
  let base: Float64Array<ArrayBuffer> = J;
  while (e > 0) {
    if (e & 1) result = result ? mulUpper(result, base, k) : base;
    e = Math.floor(e / 2);
    if (e > 0) base = mulUpper(base, base, k);
  }
  return result ? result[k - 1]! : k === 1 ? 1 : 0;
}

/** ∫_{g ≥ 0, Σ g_i = t} Π e^{−b_i g_i} dg for rates b_i ≥ 0; t = Infinity gives the limit. */
export function simplexIntegral(bs: readonly number[], t: number): number {
  const k = bs.length;
  if (t === Infinity) {
    let zeros = 0;
    let prod = 1;
    for (const b of bs) {
      if (b === 0) zeros++;
      else prod /= b;
    }
    if (zeros > 1) throw new Error('simplexIntegral: the infinite-time limit diverges (two zero rates)');
    return zeros === 1 ? prod : 0;
  }
  if (t === 0) return k === 1 ? 1 : 0;
  // M = −tB: diagonal −t b_i, superdiagonal t
  let norm = 0;
  for (const b of bs) norm = Math.max(norm, t * Math.abs(b) + t);
  const squarings = Math.max(0, Math.ceil(Math.log2(norm / 0.25)));
  const sc = t / 2 ** squarings;
  const M = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    M[i * k + i] = -sc * bs[i]!;
    if (i + 1 < k) M[i * k + i + 1] = sc;
  }
  // Taylor series of exp(M): ‖M‖ ≤ 1/4, 24 terms reach 1e-30 relative
  let E: Float64Array<ArrayBuffer> = new Float64Array(k * k);
  let term: Float64Array<ArrayBuffer> = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    E[i * k + i] = 1;
    term[i * k + i] = 1;
  }
  for (let n = 1; n <= 24; n++) {
    term = mulUpper(term, M, k);
    for (let q = 0; q < k * k; q++) term[q]! /= n;
    for (let q = 0; q < k * k; q++) E[q]! += term[q]!;
  }
  for (let s = 0; s < squarings; s++) E = mulUpper(E, E, k);
  return E[k - 1]!;
}
