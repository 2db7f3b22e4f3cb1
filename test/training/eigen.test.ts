/**
 * The dense symmetric eigensolver (Householder + implicit QL) against numpy.linalg.eigh (LAPACK syevd) and
 * against its own defining identities: A V = V Λ, VᵀV = I, on random, singular, degenerate and graded matrices.
 * Tolerances: backward stability gives |λ_k − λ_k^exact| ≲ n·u·‖A‖ and ‖AV − VΛ‖ ≲ n·u·‖A‖ (u = 2⁻⁵³); we allow
 * 64·n·u·‖A‖.
 */
import { describe, expect, it } from 'vitest';
import { NetStream } from '../../src/rng/index.ts';
import { symmetricEigenDense } from '../../src/training/eigen.ts';
import { python } from './python.ts';

function randomSymmetric(n: number, seed: number, rank = n): Float64Array {
  // A = B Bᵀ − c·I style mix: B n×rank Gaussian, plus a symmetric Gaussian part when rank = n
  const rng = new NetStream(seed).reset(n);
  const B = new Float64Array(n * rank);
  rng.fillNormal(B, 0, B.length);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let k = 0; k < rank; k++) s += B[i * rank + k]! * B[j * rank + k]!;
    A[i * n + j] = A[j * n + i] = s;
  }
  if (rank === n) {
    const G = new Float64Array(n * n);
    rng.fillNormal(G, 0, G.length);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
      const g = 0.5 * (G[i * n + j]! + G[j * n + i]!) * 3;
      A[i * n + j] = A[i * n + j]! + g;
      if (i !== j) A[j * n + i] = A[j * n + i]! + g;
    }
  }
  return A;
}

function norm2Bound(A: Float64Array, n: number): number {
  let f = 0;
  for (let q = 0; q < n * n; q++) f += A[q]! * A[q]!;
  return Math.sqrt(f);
}

function checkIdentities(A: Float64Array, n: number): void {
  const { values, vectors } = symmetricEigenDense(A, n);
  const scale = Math.max(norm2Bound(A, n), 1e-300);
  const tol = 64 * n * Number.EPSILON * scale;
  for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
  let residual = 0;
  let orthogonality = 0;
  for (let k = 0; k < n; k++) {
    // residual A v − λ v
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j]! * vectors[k * n + j]!;
      residual = Math.max(residual, Math.abs(s - values[k]! * vectors[k * n + i]!));
    }
    for (let l = k; l < n; l++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += vectors[k * n + i]! * vectors[l * n + i]!;
      orthogonality = Math.max(orthogonality, Math.abs(d - (k === l ? 1 : 0)));
    }
  }
  expect(residual).toBeLessThan(tol);
  expect(orthogonality).toBeLessThan(64 * n * Number.EPSILON);
}

describe('symmetricEigenDense', () => {
  it('eigenvalues equal numpy.linalg.eigh on random matrices (n = 1 … 300) to 64·n·u·‖A‖', () => {
    const sizes = [1, 2, 3, 7, 40, 300];
    const mats = sizes.map((n, i) => randomSymmetric(n, 11 + i));
    const ref = python<number[][]>(
      'import json,sys,numpy as np\nd=json.load(sys.stdin)\nprint(json.dumps([np.linalg.eigh(np.array(a,dtype=float).reshape(n,n))[0].tolist() for n,a in zip(d["n"],d["a"])]))',
      { n: sizes, a: mats.map((a) => Array.from(a)) },
    );
    sizes.forEach((n, i) => {
      const { values } = symmetricEigenDense(mats[i]!, n);
      const tol = 64 * n * Number.EPSILON * norm2Bound(mats[i]!, n);
      for (let k = 0; k < n; k++) expect(Math.abs(values[k]! - ref[i]![k]!)).toBeLessThan(tol);
    });
  });

  it('A v = λ v and VᵀV = I: random, rank-deficient (exact zero eigenvalues), degenerate, diagonal, graded, zero', () => {
    checkIdentities(randomSymmetric(60, 3), 60);
    checkIdentities(randomSymmetric(50, 4, 5), 50); // rank 5: 45 zero eigenvalues
    const I = new Float64Array(36);
    for (let i = 0; i < 6; i++) I[i * 6 + i] = 2;
    checkIdentities(I, 6); // one eigenvalue of multiplicity 6
    const { values } = symmetricEigenDense(I, 6);
    for (const v of values) expect(v).toBe(2);
    const Dg = Float64Array.from([3, 0, 0, 0, -1, 0, 0, 0, 2]);
    expect(Array.from(symmetricEigenDense(Dg, 3).values)).toEqual([-1, 2, 3]);
    // graded: entries spanning 12 orders of magnitude
    const n = 8;
    const G = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) G[i * n + j] = 10 ** (-(i + j) * 0.75) * (i === j ? 2 : 0.3);
    checkIdentities(G, n);
    checkIdentities(new Float64Array(16), 4);
    // duplicate rows (a kernel matrix with a repeated input): one exact null direction
    const K = randomSymmetric(10, 5, 10);
    for (let j = 0; j < 10; j++) K[9 * 10 + j] = K[8 * 10 + j]!;
    for (let i = 0; i < 10; i++) K[i * 10 + 9] = K[i * 10 + 8]!;
    K[99] = K[88]!;
    checkIdentities(K, 10);
  });

  it('tiny and huge kernels (entries near the ends of the double range): the same eigenvectors, eigenvalues scaled exactly', () => {
    const A = randomSymmetric(12, 6);
    const ref = symmetricEigenDense(A, 12);
    for (const k of [-1000, -700, 700, 1000]) {
      // A·2^k is exact (two factors: 2^k itself may not be representable); so must be the eigenvalues
      const scaled = A.map((x) => x * 2 ** Math.trunc(k / 2) * 2 ** (k - Math.trunc(k / 2)));
      const r = symmetricEigenDense(scaled, 12);
      for (let q = 0; q < 12; q++) expect(r.values[q]! / 2 ** Math.trunc(k / 2) / 2 ** (k - Math.trunc(k / 2))).toBe(ref.values[q]!);
      expect(Array.from(r.vectors)).toEqual(Array.from(ref.vectors));
    }
    // a kernel of subnormal entries (C_W ≈ 1e-264 and small inputs) with an exact null direction
    const S = Float64Array.from([4e-323, 4e-323, 0, 4e-323, 4e-323, 0, 0, 0, 1e-320]);
    const s = symmetricEigenDense(S, 3);
    [0, 2 * 4e-323, 1e-320].forEach((v, k) => expect(Math.abs(s.values[k]! - v)).toBeLessThanOrEqual(1e-323)); // 2 units of the last subnormal place
    expect(() => symmetricEigenDense(Float64Array.from([1, Infinity, Infinity, 1]), 2)).toThrow(/non-finite entry/);
  });

  it('kernels of many near-duplicate inputs (22 clusters of 197 rows: ~175 eigenvalues at rounding level) converge', () => {
    const n = 197;
    const k = 22;
    for (const [seed, eps] of [[0, 0], [1, 1e-12], [3, 1e-8]] as const) {
      const rng = new NetStream(seed).reset(1);
      const C = new Float64Array(k * k);
      rng.fillNormal(C, 0, C.length);
      const P = new Float64Array(n * k);
      rng.fillNormal(P, 0, P.length);
      const R = P.map((p, q) => 10 * C[(Math.floor(q / k) % k) * k + (q % k)]! + eps * p);
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += R[i * k + q]! * R[j * k + q]!;
        A[i * n + j] = A[j * n + i] = s;
      }
      checkIdentities(A, n);
    }
  });

  it('reads only the lower triangle', () => {
    const A = randomSymmetric(5, 9);
    const B = Float64Array.from(A);
    for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) B[i * 5 + j] = 1e6;
    expect(Array.from(symmetricEigenDense(B, 5).values)).toEqual(Array.from(symmetricEigenDense(A, 5).values));
  });
});
