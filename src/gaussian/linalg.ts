/** Small dense linear algebra for kernels (m ≤ a few dozen): validation, Jacobi eigen, pivoted Cholesky. */
import { NnftInputError } from '../errors.ts';

/** Symmetric eigen-decomposition by cyclic Jacobi. Returns eigenvalues and eigenvectors (columns of V). */
export function symmetricEigen(A: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const n = A.length;
  const a = A.map((r) => r.slice());
  const V: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      scale += a[i]![i]! * a[i]![i]!;
      for (let j = i + 1; j < n; j++) off += a[i]![j]! * a[i]![j]!;
    }
    if (off <= 1e-32 * Math.max(scale, 1e-300) || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        const app = a[p]![p]!;
        const aqq = a[q]![q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k]![p]!;
          const vkq = V[k]![q]!;
          V[k]![p] = c * vkp - s * vkq;
          V[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((r, i) => r[i]!), vectors: V };
}

/**
 * Check that K is a square, finite, symmetric, positive semi-definite matrix (beyond rounding);
 * throws NnftInputError naming the problem otherwise.
 */
export function validateKernel(K: unknown, argumentName = 'K'): number[][] {
  if (!Array.isArray(K) || K.length === 0) {
    throw new NnftInputError(argumentName, 'expected a non-empty square matrix (array of rows)');
  }
  const n = K.length;
  K.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== n) {
      throw new NnftInputError(argumentName, `is not square: row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries, expected ${n}`);
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new NnftInputError(argumentName, `entry [${i}][${j}] is not a finite number (${String(v)})`);
      }
    });
  });
  const M = K as number[][];
  let maxAbs = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) maxAbs = Math.max(maxAbs, Math.abs(M[i]![j]!));
  for (let i = 0; i < n; i++) {
    if (M[i]![i]! < 0) throw new NnftInputError(argumentName, `is not positive semi-definite: diagonal entry [${i}][${i}] = ${M[i]![i]} < 0`);
    for (let j = i + 1; j < n; j++) {
      const d = Math.abs(M[i]![j]! - M[j]![i]!);
      if (d > 1e-12 * maxAbs + 1e-300) {
        throw new NnftInputError(argumentName, `is not symmetric: [${i}][${j}] = ${M[i]![j]} but [${j}][${i}] = ${M[j]![i]}`);
      }
    }
  }
  const sym = M.map((r, i) => r.map((v, j) => 0.5 * (v + M[j]![i]!)));
  if (maxAbs > 0) {
    const { values } = symmetricEigen(sym);
    const lmax = Math.max(...values.map(Math.abs));
    const lmin = Math.min(...values);
    if (lmin < -1e-10 * n * lmax) {
      throw new NnftInputError(argumentName, `is not positive semi-definite: smallest eigenvalue ${lmin.toExponential(3)} (largest ${lmax.toExponential(3)})`, 'a covariance/kernel matrix must have no negative eigenvalues');
    }
  }
  return sym;
}

/**
 * Pivoted Cholesky of a PSD matrix: C[perm[i]][perm[j]] ≈ Σ_k L[i][k] L[j][k], L lower-trapezoidal
 * (n × r), stopping when the largest remaining Schur-complement diagonal is ≤ tol·max diag.
 */
export function pivotedCholesky(C: readonly (readonly number[])[], tol = 1e-13): { L: number[][]; perm: number[]; rank: number } {
  const n = C.length;
  const A = C.map((r) => r.slice());
  const perm = Array.from({ length: n }, (_, i) => i);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, A[i]![i]!);
  const L: number[][] = Array.from({ length: n }, () => new Array(n).fill(0));
  let rank = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (A[perm[i]!]![perm[i]!]! > A[perm[p]!]![perm[p]!]!) p = i;
    const piv = A[perm[p]!]![perm[p]!]!;
    if (!(piv > tol * maxDiag) || piv <= 0) break;
    [perm[k], perm[p]] = [perm[p]!, perm[k]!];
    [L[k], L[p]] = [L[p]!, L[k]!];
    const s = Math.sqrt(piv);
    L[k]![k] = s;
    const pk = perm[k]!;
    for (let i = k + 1; i < n; i++) {
      const pi = perm[i]!;
      L[i]![k] = A[pi]![pk]! / s;
    }
    for (let i = k + 1; i < n; i++) {
      const pi = perm[i]!;
      for (let j = k + 1; j < n; j++) {
        const pj = perm[j]!;
        A[pi]![pj] = A[pi]![pj]! - L[i]![k]! * L[j]![k]!;
      }
    }
    rank++;
  }
  return { L: L.map((r) => r.slice(0, rank)), perm, rank };
}
