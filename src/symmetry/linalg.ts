/**
 * Small dense linear algebra for group elements (D ≲ 50): products, transpose, determinant (partial-pivot
 * LU), the matrix exponential (scaling and squaring with a Taylor polynomial), Householder QR, and complex
 * and quaternionic routines. Matrices are number[][] (row-major, rows are arrays).
 */
export type Mat = number[][];

export function zeros(r: number, c = r): Mat {
  return Array.from({ length: r }, () => new Array<number>(c).fill(0));
}

export function eye(n: number): Mat {
  const m = zeros(n);
  for (let i = 0; i < n; i++) m[i]![i] = 1;
  return m;
}

export function matmul(a: Mat, b: Mat): Mat {
  const n = a.length, k = b.length, m = b[0]!.length;
  const c = zeros(n, m);
  for (let i = 0; i < n; i++) {
    const ai = a[i]!, ci = c[i]!;
    for (let l = 0; l < k; l++) {
      const x = ai[l]!;
      if (x === 0) continue;
      const bl = b[l]!;
      for (let j = 0; j < m; j++) ci[j]! += x * bl[j]!;
    }
  }
  return c;
}

export function transpose(a: Mat): Mat {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}

export function matvec(a: Mat, x: ArrayLike<number>): number[] {
  return a.map((row) => {
    let s = 0;
    for (let j = 0; j < row.length; j++) s += row[j]! * x[j]!;
    return s;
  });
}

/** max-row-sum (∞) norm */
export function normInf(a: Mat): number {
  let m = 0;
  for (const row of a) m = Math.max(m, row.reduce((s, v) => s + Math.abs(v), 0));
  return m;
}

/** determinant by LU with partial pivoting */
export function det(a: Mat): number {
  const n = a.length;
  const m = a.map((r) => r.slice());
  let d = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i]![k]!) > Math.abs(m[p]![k]!)) p = i;
    if (m[p]![k]! === 0) return 0;
    if (p !== k) {
      [m[p], m[k]] = [m[k]!, m[p]!];
      d = -d;
    }
    d *= m[k]![k]!;
    for (let i = k + 1; i < n; i++) {
      const f = m[i]![k]! / m[k]![k]!;
      if (f === 0) continue;
      for (let j = k; j < n; j++) m[i]![j]! -= f * m[k]![j]!;
    }
  }
  return d;
}

/**
 * Matrix exponential by scaling and squaring: A/2^s has ∞-norm ≤ 1/2, then the Taylor polynomial to
 * degree 18 (truncation error < (1/2)^19/19! ≈ 1e-23 relative), then s squarings. For the skew-symmetric
 * arguments used here (‖A‖ = O(D²)) the result is orthogonal to ~1e-15.
 */
export function expm(a: Mat): Mat {
  const n = a.length;
  const nrm = normInf(a);
  const s = nrm > 0.5 ? Math.ceil(Math.log2(nrm / 0.5)) : 0;
  const scale = Math.pow(2, -s);
  const x = a.map((r) => r.map((v) => v * scale));
  // Horner: I + X(I + X/2(I + X/3(...)))
  let p = eye(n);
  for (let k = 18; k >= 1; k--) {
    p = matmul(x, p).map((r) => r.map((v) => v / k));
    for (let i = 0; i < n; i++) p[i]![i]! += 1;
  }
  for (let i = 0; i < s; i++) p = matmul(p, p);
  return p;
}

/**
 * Householder QR of a square matrix: returns Q (orthogonal) and the diagonal of R. Used with the sign fix
 * Q ← Q·diag(sign R_ii), which makes Q Haar-distributed on O(D) when the input is Gaussian (Mezzadri 2007).
 */
export function qrHouseholder(a: Mat): { q: Mat; rDiag: number[] } {
  const n = a.length;
  const r = a.map((row) => row.slice());
  const q = eye(n);
  for (let k = 0; k < n - 1; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += r[i]![k]! * r[i]![k]!;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = r[k]![k]! > 0 ? -norm : norm;
    const v = new Array<number>(n).fill(0);
    for (let i = k; i < n; i++) v[i] = r[i]![k]!;
    v[k]! -= alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += v[i]! * v[i]!;
    if (vv === 0) continue;
    // R ← (I − 2vvᵀ/vᵀv) R ; Q ← Q (I − 2vvᵀ/vᵀv)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += v[i]! * r[i]![j]!;
      s = (2 * s) / vv;
      for (let i = k; i < n; i++) r[i]![j]! -= s * v[i]!;
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let l = k; l < n; l++) s += q[i]![l]! * v[l]!;
      s = (2 * s) / vv;
      for (let l = k; l < n; l++) q[i]![l]! -= s * v[l]!;
    }
  }
  return { q, rDiag: r.map((row, i) => row[i]!) };
}

/** ‖MᵀM − I‖: max |entry| and the mean |off-diagonal entry| (the paper's δR, App. C). */
export function orthogonalityError(m: Mat): { max: number; offDiagonalMean: number } {
  const g = matmul(transpose(m), m);
  const n = g.length;
  let max = 0, off = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const e = Math.abs(g[i]![j]! - (i === j ? 1 : 0));
      max = Math.max(max, e);
      if (i !== j) off += e;
    }
  }
  return { max, offDiagonalMean: n > 1 ? off / (n * (n - 1)) : 0 };
}

// ---------------------------------------------------------------- complex
export interface CMat {
  re: Mat;
  im: Mat;
}

/** complex determinant by LU with partial pivoting: [re, im] */
export function cdet(a: CMat): [number, number] {
  const n = a.re.length;
  const re = a.re.map((r) => r.slice());
  const im = a.im.map((r) => r.slice());
  let dr = 1, di = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.hypot(re[k]![k]!, im[k]![k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.hypot(re[i]![k]!, im[i]![k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (best === 0) return [0, 0];
    if (p !== k) {
      [re[p], re[k]] = [re[k]!, re[p]!];
      [im[p], im[k]] = [im[k]!, im[p]!];
      dr = -dr;
      di = -di;
    }
    const pr = re[k]![k]!, pi = im[k]![k]!;
    [dr, di] = [dr * pr - di * pi, dr * pi + di * pr];
    const den = pr * pr + pi * pi;
    for (let i = k + 1; i < n; i++) {
      // f = m[i][k] / m[k][k]
      const fr = (re[i]![k]! * pr + im[i]![k]! * pi) / den;
      const fi = (im[i]![k]! * pr - re[i]![k]! * pi) / den;
      for (let j = k; j < n; j++) {
        re[i]![j]! -= fr * re[k]![j]! - fi * im[k]![j]!;
        im[i]![j]! -= fr * im[k]![j]! + fi * re[k]![j]!;
      }
    }
  }
  return [dr, di];
}

/** max |U†U − I| over entries */
export function unitarityError(u: CMat): number {
  const n = u.re.length;
  let max = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      // (U†U)_ij = Σ_k conj(U_ki) U_kj
      let sr = 0, si = 0;
      for (let k = 0; k < n; k++) {
        sr += u.re[k]![i]! * u.re[k]![j]! + u.im[k]![i]! * u.im[k]![j]!;
        si += u.re[k]![i]! * u.im[k]![j]! - u.im[k]![i]! * u.re[k]![j]!;
      }
      max = Math.max(max, Math.hypot(sr - (i === j ? 1 : 0), si));
    }
  }
  return max;
}

// ---------------------------------------------------------------- quaternions (a + b i + c j + d k)
export type Quat = [number, number, number, number];

export function qmul(p: Quat, q: Quat): Quat {
  const [a1, b1, c1, d1] = p, [a2, b2, c2, d2] = q;
  return [
    a1 * a2 - b1 * b2 - c1 * c2 - d1 * d2,
    a1 * b2 + b1 * a2 + c1 * d2 - d1 * c2,
    a1 * c2 - b1 * d2 + c1 * a2 + d1 * b2,
    a1 * d2 + b1 * c2 - c1 * b2 + d1 * a2,
  ];
}

export function qconj(q: Quat): Quat {
  return [q[0], -q[1], -q[2], -q[3]];
}

/** the real 4×4 matrix of left multiplication q ↦ s q on (q0, q1, q2, q3) */
export function qLeftMatrix(s: Quat): Mat {
  const [a, b, c, d] = s;
  return [
    [a, -b, -c, -d],
    [b, a, -d, c],
    [c, d, a, -b],
    [d, -c, b, a],
  ];
}

/** the real 4×4 matrix of right multiplication q ↦ q s */
export function qRightMatrix(s: Quat): Mat {
  const [a, b, c, d] = s;
  return [
    [a, -b, -c, -d],
    [b, a, d, -c],
    [c, -d, a, b],
    [d, c, -b, a],
  ];
}
