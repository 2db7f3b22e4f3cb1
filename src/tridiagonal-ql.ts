/**
 * Eigenvalues of a real symmetric tridiagonal matrix T (diagonal d, off-diagonal e with e[i] = T_{i,i+1},
 * e[n−1] = 0) by the implicit QL algorithm with Wilkinson-type shifts (Golub & Van Loan, "Matrix
 * Computations", §8.3; the tql1/tql2 routines of EISPACK). Optionally the plane rotations G are applied to
 * the rows of an n×n matrix Qᵀ (Qᵀ ← G Qᵀ), which turns the rows of an orthogonal Qᵀ with A = Q T Qᵀ into
 * the eigenvectors of A.
 *
 * Deflation: e[m] is set to zero when |e[m]| ≤ u·(|d[m]| + |d[m+1]|) (u = 2⁻⁵³, relative: graded matrices keep
 * their small eigenvalues); optionally also when |e[m]| < `negligible`, and, after `absoluteTestAfter`
 * sweeps on one eigenvalue, when |e[m]| ≤ u·max_i(|d_i| + |e_i|) (the absolute test of tql2, within the
 * backward error bound ‖E‖ ≲ u·‖T‖).
 */

export interface TridiagonalQlOptions {
  /** sweeps allowed per eigenvalue before `notConverged` is thrown */
  readonly maxSweeps: number;
  /** the error thrown when an eigenvalue needs more than `maxSweeps` sweeps */
  readonly notConverged: () => Error;
  /** n×n row-major Qᵀ: each rotation acting on T's rows i, i+1 is applied to rows i, i+1 of it */
  readonly rotateRows?: Float64Array;
  /** off-diagonal entries with |e| below this are zero (default 0: none) */
  readonly negligible?: number;
  /** sweeps on one eigenvalue after which the absolute deflation test is also used (default: never) */
  readonly absoluteTestAfter?: number;
}

/**
 * Overwrites `d` with the eigenvalues of T (in no particular order) and `e` with zeros; `e` must have
 * length ≥ n with e[n−1] = 0. Returns `d`.
 */
export function tridiagonalQl(d: Float64Array, e: Float64Array, options: TridiagonalQlOptions): Float64Array {
  const n = d.length;
  const vt = options.rotateRows;
  const negligible = options.negligible ?? 0;
  const absoluteTestAfter = options.absoluteTestAfter ?? Infinity;
  let tnorm = 0; // max_i |d_i| + |e_i| ≥ ‖T‖₂/2
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]!) + Math.abs(e[i]!));
  for (let l = 0; l < n; l++) {
    let sweeps = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        const em = Math.abs(e[m]!);
        if (em <= Number.EPSILON * dd || em < negligible || (sweeps >= absoluteTestAfter && em <= Number.EPSILON * tnorm)) break;
      }
      if (m === l) break;
      if (sweeps === options.maxSweeps) throw options.notConverged();
      sweeps++;
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] = d[i + 1]! - p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (vt !== undefined) {
          const o0 = i * n;
          const o1 = o0 + n;
          for (let k = 0; k < n; k++) {
            const x1 = vt[o1 + k]!;
            const x0 = vt[o0 + k]!;
            vt[o1 + k] = s * x0 + c * x1;
            vt[o0 + k] = c * x0 - s * x1;
          }
        }
      }
      if (underflow) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return d;
}
