/**
 * Dense kernels of the samplers: PSD Cholesky for the conditional Gaussian and C = A·Bᵀ for the empirical NTK.
 *
 * Kernels are hand-written Float64Array loops. Measured for this workload (bench/montecarlo.bench.ts, section
 * 3; shared 2-core x86 container, Node 20, wall clock under load): one 64×64·(64×64)ᵀ product — the empirical-
 * NTK kernel — takes ≈0.3 ms in gemmABt (4×2 register blocks, float64, 1.6–1.8 GFLOP/s; ≈3.5 by CPU time),
 * ≈0.58 ms in tfjs-backend-wasm (float32, batched ×32; 0.65 ms for a single op with dispatch and readback) and
 * ≈1.5 ms in tfjs-backend-cpu; @tensorflow/tfjs-node does not install here (it stays an optional dependency,
 * timed by the bench when present). TFJS is float32 only and its per-op overhead dominates per-network 64×64
 * work, so the sampler uses the typed-array kernels; the fast path needs no matrix products at all
 * (O(n·m²) per layer).
 */

/**
 * Lower-triangular L with L Lᵀ = G for PSD G (zero columns for null directions: duplicate inputs are fine). A pivot
 * counts as null when it is below 1e-12 of its own diagonal entry G_jj, not of the largest one: an input of norm
 * 1e-111 next to one of norm 1 (G_jj = 1e-222) is independent and keeps its column.
 */
export function cholPsd(G: Float64Array, m: number, Lc: Float64Array): void {
  Lc.fill(0);
  for (let j = 0; j < m; j++) {
    const gjj = G[j * m + j]!;
    let d = gjj;
    for (let k = 0; k < j; k++) d -= Lc[j * m + k]! * Lc[j * m + k]!;
    if (d <= 1e-12 * Math.abs(gjj)) continue;
    const ljj = Math.sqrt(d);
    Lc[j * m + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      let v = G[i * m + j]!;
      for (let k = 0; k < j; k++) v -= Lc[i * m + k]! * Lc[j * m + k]!;
      Lc[i * m + j] = v / ljj;
    }
  }
}

/**
 * C (p×q, row stride ldc, at offset oc) = A (p×r) · B (q×r)ᵀ, both row-major and contiguous; 4×2 register
 * blocks (eight dot products share six loads per step: ≈3.5 GFLOP/s here vs ≈2.5 for 2×2 and ≈1 for a plain
 * loop). upper: only blocks touching j ≥ i are computed (for symmetric results; the caller mirrors them).
 */
export function gemmABt(A: Float64Array, Bm: Float64Array, C: Float64Array, p: number, q: number, r: number, ldc: number, oc: number, upper: boolean): void {
  let i = 0;
  for (; i + 3 < p; i += 4) {
    const a0 = i * r;
    const a1 = a0 + r;
    const a2 = a1 + r;
    const a3 = a2 + r;
    let j = upper ? i & ~1 : 0;
    for (; j + 1 < q; j += 2) {
      const b0 = j * r;
      const b1 = b0 + r;
      let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
      for (let k = 0; k < r; k++) {
        const y0 = Bm[b0 + k]!;
        const y1 = Bm[b1 + k]!;
        const x0 = A[a0 + k]!;
        const x1 = A[a1 + k]!;
        const x2 = A[a2 + k]!;
        const x3 = A[a3 + k]!;
        c00 += x0 * y0;
        c01 += x0 * y1;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c20 += x2 * y0;
        c21 += x2 * y1;
        c30 += x3 * y0;
        c31 += x3 * y1;
      }
      const o = oc + i * ldc + j;
      C[o] = c00;
      C[o + 1] = c01;
      C[o + ldc] = c10;
      C[o + ldc + 1] = c11;
      C[o + 2 * ldc] = c20;
      C[o + 2 * ldc + 1] = c21;
      C[o + 3 * ldc] = c30;
      C[o + 3 * ldc + 1] = c31;
    }
    if (j < q) {
      const b0 = j * r;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let k = 0; k < r; k++) {
        const y = Bm[b0 + k]!;
        c0 += A[a0 + k]! * y;
        c1 += A[a1 + k]! * y;
        c2 += A[a2 + k]! * y;
        c3 += A[a3 + k]! * y;
      }
      const o = oc + i * ldc + j;
      C[o] = c0;
      C[o + ldc] = c1;
      C[o + 2 * ldc] = c2;
      C[o + 3 * ldc] = c3;
    }
  }
  for (; i < p; i++) {
    const a0 = i * r;
    for (let j = upper ? i : 0; j < q; j++) {
      const b0 = j * r;
      let c = 0;
      for (let k = 0; k < r; k++) c += A[a0 + k]! * Bm[b0 + k]!;
      C[oc + i * ldc + j] = c;
    }
  }
}

