/**
 * Exact Gaussian expectations of piecewise-linear activations and their distributional derivatives (no quadrature of
 * steps or kinks), stable for singular and nearly singular kernels.
 *
 * σ(z) = s₋ z + J z θ(z) (J = s₊ − s₋), σ' = s₋ + J θ(z), σ^(k) = J δ^(k−2)(z) for k ≥ 2. A product of such factors
 * at one coordinate is a sum of atoms z^p (polynomial), z^p θ(z) (step), δ^(j)(z); θ² = θ, z^p δ^(j) and θ δ^(j)
 * reduce at the point (θ(0) = ½ for a step times a δ: the symmetric-mollifier limit); δ·δ and θ·δ^(j≥1) at one point
 * are undefined and refused. A product over coordinates, Π_a atom_a(z_a), is then reduced by dimension:
 *  - one coordinate: E z^p θ = σ^p M_p, E z^p = σ^p (p−1)!!, E δ^(j) = He_j(0) φ(0)/σ^{j+1};
 *  - two coordinates: closed forms in the correlation angle (src/gaussian/pair.ts), exact at every angle including
 *    identical and collinear inputs;
 *  - three or four, δ-free (what the recursions use): Gaussian integration by parts on one polynomial factor at a
 *    time (Stein; the truncated-moment recursion of Tallis, "The moment generating function of the truncated
 *    multi-normal distribution", J. R. Stat. Soc. B 23 (1961)),
 *        E[z_j G] = Σ_c K_jc E[∂_c G],   ∂_c θ(z_c) = δ(z_c):  E[δ(z_c) H] = φ_c(0) E[H | z_c = 0],
 *    which removes one polynomial degree per step. Every term is bounded (|K_jc φ_c(0)| ≤ √K_jj/√(2π), Cauchy–
 *    Schwarz), so nothing divergent cancels however close two inputs are; the conditional covariances are Schur
 *    complements computed in double-double arithmetic (src/gaussian/dd.ts), which keeps them exact to double
 *    precision down to conditional angles ~1e-8 (the rounding of K itself resolves no less). The terms of one Stein
 *    step that condition on nearly dependent coordinates (e.g. δ(z_a)θ(z_b) and θ(z_a)δ(z_b) for z_b ≈ z_a) are
 *    individually direction-dependent and only their sum is continuous in K, so all of them must see one and the
 *    same Gaussian: K is replaced by the nearest positive semidefinite matrix of its numerical rank, plus a
 *    relative 1e-21 on the diagonal when that rank is deficient (psdDD; the limit K + τI, τ → 0⁺, to ~3e-11).
 *    What remains are orthant probabilities P(z_i > 0, i ∈ S), |S| ≤ 4: ½ − ψ/2π (two), ½ −
 *    (ψ₁₂ + ψ₁₃ + ψ₂₃)/4π (three), with ψ_ij = atan2(√det, K_ij) ∈ [0, π] the angle between the two coordinates
 *    (from the double-double determinant, not from acos of a rounded correlation), and for four Plackett's identity
 *    ∂P/∂K_ij = φ_ij(0,0) P(z_k, z_l > 0 | z_i = z_j = 0) integrated along K(t) = blocks + t·(cross entries) from
 *    the product of two 2-D orthants (Gauss–Legendre in s, t = 1 − s²).
 *  - three or four with δ-atoms (not used by the recursions): δ^(j)(z_a) is reduced by conditioning,
 *    E[δ^(j)(z_a) G] = (−1)^j Σ_i C(j,i) p_a^(j−i)(0) E'[D^i G], D = Σ_b (K_ab/K_aa) ∂_b, E' over z given z_a = 0;
 *    this divides by conditional variances and is accurate only away from collinear configurations.
 */
import { NnftInputError } from '../errors.ts';
import { add, dd, div, mul, sub, type DD } from './dd.ts';
import { gaussLegendre01 } from './legendre.ts';
import { symmetricEigen } from './linalg.ts';
import { COLLINEAR_SIN, pairExpectation, type PairAtom, type PairMode } from './pair.ts';

export interface PlFactor {
  /** power of z (when dj < 0) */
  readonly p: number;
  /** 1: multiplied by θ(z) */
  readonly ind: 0 | 1;
  /** ≥ 0: this factor is δ^(dj)(z) (then p = 0, ind = 0) */
  readonly dj: number;
}
export type Atom = [number, PlFactor];

export const ONE: PlFactor = { p: 0, ind: 0, dj: -1 };
const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600];
const fact = (n: number): number => (n < FACT.length ? FACT[n]! : n * fact(n - 1));
const falling = (p: number, m: number): number => {
  let r = 1;
  for (let i = 0; i < m; i++) r *= p - i;
  return r;
};
const binom = (n: number, k: number): number => fact(n) / (fact(k) * fact(n - k));
const INV_SQRT_2PI = 0.3989422804014327;
const isOne = (f: PlFactor): boolean => f.dj < 0 && f.p === 0 && f.ind === 0;

function undefinedProduct(what: string): never {
  throw new NnftInputError('factors', `the expectation is undefined: ${what}`, 'for single-input or duplicate-input expectations of piecewise-linear σ use the Hermite form ⟨f\'\'⟩ = ⟨f(z²−K)⟩/K², or smooth activations');
}

// ---------------------------------------------------------------------------------------------------------------
// Atom algebra

/** Atoms of σ^(k) for slopes (sn, sp). */
export function plAtoms(k: number, sn: number, sp: number): Atom[] {
  const J = sp - sn;
  const out: Atom[] = [];
  if (k === 0) {
    if (sn !== 0) out.push([sn, { p: 1, ind: 0, dj: -1 }]);
    if (J !== 0) out.push([J, { p: 1, ind: 1, dj: -1 }]);
  } else if (k === 1) {
    if (sn !== 0) out.push([sn, { p: 0, ind: 0, dj: -1 }]);
    if (J !== 0) out.push([J, { p: 0, ind: 1, dj: -1 }]);
  } else if (J !== 0) {
    out.push([J, { p: 0, ind: 0, dj: k - 2 }]);
  }
  return out;
}

/** Product of two atoms on the same coordinate, as a sum of atoms. */
export function mulAtoms(a: Atom, b: Atom): Atom[] {
  const [ca, fa] = a;
  const [cb, fb] = b;
  if (fa.dj >= 0 && fb.dj >= 0) undefinedProduct('a product of two δ-functions at the same point');
  if (fa.dj < 0 && fb.dj < 0) return [[ca * cb, { p: fa.p + fb.p, ind: (fa.ind | fb.ind) as 0 | 1, dj: -1 }]];
  const [cd, d, ch, h] = fa.dj >= 0 ? [ca, fa, cb, fb] : [cb, fb, ca, fa];
  // h(z) δ^(j)(z) = Σ_l (−1)^l C(j,l) h^(l)(0) δ^(j−l)(z), h = z^p θ^ind
  const j = d.dj;
  const out: Atom[] = [];
  for (let l = 0; l <= j; l++) {
    let hl: number;
    if (h.ind === 0) hl = l === h.p ? fact(h.p) : 0;
    else if (l < h.p) hl = 0;
    else if (l === h.p) hl = fact(h.p) / 2;
    else undefinedProduct(`δ${j > 0 ? `^(${j})` : ''} times a step-discontinuous factor at the same point`);
    if (hl !== 0) out.push([cd * ch * (l % 2 ? -1 : 1) * binom(j, l) * hl, { p: 0, ind: 0, dj: j - l }]);
  }
  return out;
}

/** m-th derivative of a factor: [coef, factor] or null when it vanishes. */
function dFactor(f: PlFactor, m: number): Atom | null {
  if (m === 0) return [1, f];
  if (f.dj >= 0) return [1, { p: 0, ind: 0, dj: f.dj + m }];
  if (f.ind === 0) return m <= f.p ? [falling(f.p, m), { p: f.p - m, ind: 0, dj: -1 }] : null;
  return m <= f.p ? [falling(f.p, m), { p: f.p - m, ind: 1, dj: -1 }] : [fact(f.p), { p: 0, ind: 0, dj: m - f.p - 1 }];
}

/** Sum equal atoms; drop zeros. */
function collect(atoms: Atom[]): Atom[] {
  const m = new Map<string, Atom>();
  for (const [c, f] of atoms) {
    const k = `${f.p}.${f.ind}.${f.dj}`;
    const prev = m.get(k);
    if (prev) prev[0] += c;
    else m.set(k, [c, f]);
  }
  return [...m.values()].filter(([c]) => c !== 0);
}

/** Slopes of a piecewise-linear activation (σ(z) = slopePos·z for z > 0, slopeNeg·z for z < 0). */
export interface PlSlopes {
  readonly slopeNeg: number;
  readonly slopePos: number;
}

/** (d/dz)^deriv Π_{k ∈ orders} σ^(k)(z) as atoms (the product is multiplied out first, then differentiated). */
export function productAtoms(pl: PlSlopes, orders: readonly number[], deriv = 0): Atom[] {
  let atoms: Atom[] = [[1, ONE]];
  for (const k of orders) {
    const next: Atom[] = [];
    for (const a of atoms) for (const b of plAtoms(k, pl.slopeNeg, pl.slopePos)) next.push(...mulAtoms(a, b));
    atoms = collect(next);
  }
  for (let i = 0; i < deriv; i++) {
    const next: Atom[] = [];
    for (const [c, f] of atoms) {
      const df = dFactor(f, 1);
      if (df) next.push([c * df[0], df[1]]);
    }
    atoms = collect(next);
  }
  return atoms;
}

/**
 * Π_{k ∈ orders} σ^(k)(0) for a coordinate that is identically 0 (zero variance): every factor is evaluated at the
 * point, σ(0) = 0 and σ'(0) = (s₋ + s₊)/2 — the same convention as the Monte Carlo sampler, so σ'(0)² = (s₋ + s₊)²/4
 * (docs/piecewise-linear.md). σ^(k≥2)(0) is a δ at its own point: undefined.
 */
export function pointwiseAtZero(pl: PlSlopes, orders: readonly number[]): number {
  let v = 1;
  for (const k of orders) {
    if (k >= 2) undefinedProduct('a δ-function at an input whose preactivation is identically 0 (zero variance: a zero input with C_b = 0)');
    v *= k === 0 ? 0 : (pl.slopeNeg + pl.slopePos) / 2;
  }
  return v;
}

export const toPairAtom = (f: PlFactor): PairAtom => (f.dj >= 0 ? { kind: 2, k: f.dj } : { kind: f.ind ? 1 : 0, k: f.p });

// ---------------------------------------------------------------------------------------------------------------
// Expectations of Π_a f_a(z_a)

/** Exact power-of-two scale that brings the largest diagonal entry near 1 (keeps double-double products in range). */
function pow2Scale(C: readonly (readonly number[])[]): number {
  let m = 0;
  for (let i = 0; i < C.length; i++) m = Math.max(m, Math.abs(C[i]![i]!));
  return m > 0 && Number.isFinite(m) ? 2 ** -Math.round(Math.log2(m)) : 1;
}

function expect1(f: PlFactor, v: number): number {
  const s = Math.sqrt(v);
  if (f.dj >= 0) {
    const j = f.dj;
    if (j % 2) return 0;
    let df = 1;
    for (let q = j - 1; q > 1; q -= 2) df *= q;
    return ((j / 2) % 2 ? -df : df) * INV_SQRT_2PI / s ** (j + 1);
  }
  const p = f.p;
  if (f.ind === 0) {
    if (p % 2) return 0;
    let df = 1;
    for (let q = p - 1; q > 1; q -= 2) df *= q;
    return df * s ** p;
  }
  // M_p = ∫₀^∞ t^p φ = (p−1)!!/2 (even), 2^{(p−1)/2} ((p−1)/2)! /√(2π) (odd)
  if (p % 2 === 0) {
    let df = 1;
    for (let q = p - 1; q > 1; q -= 2) df *= q;
    return (df / 2) * s ** p;
  }
  const h = (p - 1) / 2;
  return 2 ** h * fact(h) * INV_SQRT_2PI * s ** p;
}

/**
 * Expectation of Π_a fs[a](z_a) over N(0, C); scale: magnitude of the original kernel (for zero-variance tests).
 * A coordinate with C_aa ≤ 1e-15·scale is the constant 0 (z^p → 0, θ → ½; a δ there is refused).
 */
export function expectPl(fs: readonly PlFactor[], C: readonly (readonly number[])[], scale: number): number {
  const idx: number[] = [];
  let mult = 1;
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i]!;
    if (isOne(f)) continue;
    if (C[i]![i]! <= 1e-15 * scale) {
      if (f.dj >= 0) undefinedProduct('a δ-function on a coordinate of zero variance (identical or collinear inputs, or a zero kernel entry)');
      if (f.p > 0) return 0;
      if (f.ind === 1) mult *= 0.5;
      continue;
    }
    idx.push(i);
  }
  const n = idx.length;
  if (n === 0) return mult;
  const F = idx.map((i) => fs[i]!);
  const M = idx.map((i) => idx.map((j) => C[i]![j]!));
  if (n === 1) return mult * expect1(F[0]!, M[0]![0]!);
  if (n === 2) {
    return mult * pairExpectation([[1, toPairAtom(F[0]!)]], [[1, toPairAtom(F[1]!)]], 0, 0, M[0]![0]!, M[0]![1]!, M[1]![1]!);
  }
  if (F.some((f) => f.dj >= 0)) return mult * reduceDelta(F, M, scale);
  return mult * tallis(F, M);
}

// ---------------------------------------------------------------------------------------------------------------
// δ-atoms in three or four dimensions: conditioning (double precision)

function condition(C: number[][], a: number): { Cp: number[][]; r: number[] } {
  const n = C.length;
  const caa = C[a]![a]!;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (i !== a) idx.push(i);
  const r = idx.map((b) => C[b]![a]! / caa);
  const Cp = idx.map((b, i) => idx.map((c) => C[b]![c]! - r[i]! * C[a]![c]!));
  return { Cp, r };
}

function reduceDelta(F: PlFactor[], M: number[][], scale: number): number {
  const n = F.length;
  let a = -1;
  for (let i = 0; i < n; i++) if (F[i]!.dj >= 0 && (a < 0 || M[i]![i]! > M[a]![a]!)) a = i;
  const j = F[a]!.dj;
  const { Cp, r } = condition(M, a);
  const rest = F.filter((_, i) => i !== a);
  const s = Math.sqrt(M[a]![a]!);
  let total = 0;
  for (let i = 0; i <= j; i++) {
    const m = j - i; // order of the density derivative
    if (m % 2 === 1) continue;
    // p^(m)(0) = (−1)^m He_m(0) φ(0)/s^{m+1}, He_m(0) = (−1)^{m/2}(m−1)!!
    let dfact = 1;
    for (let q = m - 1; q > 0; q -= 2) dfact *= q;
    const pm = ((m / 2) % 2 ? -1 : 1) * dfact * INV_SQRT_2PI / Math.pow(s, m + 1);
    total += binom(j, i) * pm * applyD(rest, r, i, Cp, scale);
  }
  return (j % 2 ? -1 : 1) * total;
}

/** E'[(D^i G)] with D = Σ_b r_b ∂_b acting on the product of factors G. */
function applyD(G: PlFactor[], r: number[], i: number, Cp: number[][], scale: number): number {
  if (i === 0) return expectPl(G, Cp, scale);
  const n = G.length;
  if (n === 0) return 0;
  let total = 0;
  const m = new Array<number>(n).fill(0);
  const rec = (pos: number, left: number): void => {
    if (pos === n - 1) {
      m[pos] = left;
      let coef = fact(i);
      const H: PlFactor[] = [];
      for (let b = 0; b < n; b++) {
        if (m[b]! > 0 && r[b] === 0) return;
        const d = dFactor(G[b]!, m[b]!);
        if (!d) return;
        coef *= (d[0] * Math.pow(r[b]!, m[b]!)) / fact(m[b]!);
        H.push(d[1]);
      }
      total += coef * expectPl(H, Cp, scale);
      return;
    }
    for (let k = 0; k <= left; k++) {
      m[pos] = k;
      rec(pos + 1, left - k);
    }
  };
  rec(0, i);
  return total;
}

// ---------------------------------------------------------------------------------------------------------------
// δ-free products: Stein / Tallis recursion with double-double conditional covariances

/** A symmetric n×n matrix in double-double, row-major. */
interface DDMatrix {
  hi: Float64Array;
  lo: Float64Array;
}
const at = (m: DDMatrix, n: number, i: number, j: number): DD => [m.hi[i * n + j]!, m.lo[i * n + j]!];

/**
 * Relative conditional variance below which a coordinate counts as identically zero (θ → ½, z^p → 0). After psdDD every
 * conditional variance is ≥ TAU = 1e-21 of the diagonal, so this only guards against a kernel handed in directly.
 */
const DEGENERATE = 1e-24;

/** Eigenvalues below this fraction of the largest count as zero: a pair at sin(angle) = COLLINEAR_SIN has λ_min/λ_max ≈ S²/2. */
const RANK_TOL = (COLLINEAR_SIN * COLLINEAR_SIN) / 2;
/**
 * Relative isotropic regularisation of a rank-deficient projection: it moves angles by √TAU ≈ 3e-11, and the
 * double-double arithmetic resolves the conditional variances it creates (~TAU of the diagonal) to 1e-32/TAU = 1e-11.
 */
const TAU = 1e-21;

/**
 * The nearest positive semidefinite matrix of numerical rank r to sc·C (eigenvalues below RANK_TOL·λ_max dropped),
 * assembled as L Lᵀ in double-double from L = V √Λ, plus TAU·diag. Rounding leaves an exactly singular kernel
 * (duplicate or collinear inputs, or, for 1-D inputs with C_b > 0, any three inputs at the first layer) slightly
 * indefinite, and the Stein terms that condition on a degenerate direction are individually direction-dependent (only
 * their sum is continuous in K); L Lᵀ + TAU·diag is positive definite, so every term is that of one honest Gaussian —
 * the isotropic limit K + τI, τ → 0⁺, at τ = TAU — and the result moves by O(√TAU) ≈ 3e-11 relative at most. A
 * full-rank kernel is used as it is (to its rounding).
 */
function psdDD(C: readonly (readonly number[])[], sc: number): DDMatrix {
  const n = C.length;
  const { values, vectors } = symmetricEigen(C.map((r) => r.map((v) => v * sc)));
  const lmax = Math.max(0, ...values);
  const cols: number[] = [];
  for (let k = 0; k < n; k++) if (values[k]! > RANK_TOL * lmax) cols.push(k);
  const L = vectors.map((row) => cols.map((k) => row[k]! * Math.sqrt(values[k]!)));
  const m: DDMatrix = { hi: new Float64Array(n * n), lo: new Float64Array(n * n) };
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let acc: DD = [0, 0];
      for (let k = 0; k < cols.length; k++) acc = add(acc, mul(dd(L[i]![k]!), dd(L[j]![k]!)));
      if (i === j && cols.length < n) acc = add(acc, mul(acc, [TAU, 0]));
      m.hi[i * n + j] = m.hi[j * n + i] = acc[0];
      m.lo[i * n + j] = m.lo[j * n + i] = acc[1];
    }
  }
  return m;
}

function tallis(F: readonly PlFactor[], C0: readonly (readonly number[])[]): number {
  const n = F.length;
  const sc = pow2Scale(C0);
  let P = 0;
  for (const f of F) P += f.p;
  const base = psdDD(C0, sc);
  const diag = Array.from({ length: n }, (_, i) => base.hi[i * n + i]!);
  const covs = new Map<number, DDMatrix>([[0, base]]);
  /** Conditional covariance given z_i = 0 for the coordinates i in mask (one-step Schur updates, canonical order). */
  const cov = (mask: number): DDMatrix => {
    let c = covs.get(mask);
    if (c) return c;
    const h = 31 - Math.clz32(mask);
    const par = cov(mask & ~(1 << h));
    c = { hi: new Float64Array(n * n), lo: new Float64Array(n * n) };
    const hh = at(par, n, h, h);
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) continue;
      const rih = div(at(par, n, i, h), hh);
      for (let j = i; j < n; j++) {
        if (mask & (1 << j)) continue;
        const v = sub(at(par, n, i, j), mul(rih, at(par, n, h, j)));
        c.hi[i * n + j] = c.hi[j * n + i] = v[0];
        c.lo[i * n + j] = c.lo[j * n + i] = v[1];
      }
    }
    covs.set(mask, c);
    return c;
  };
  const memo = new Map<number, number>();
  // state: conditioned mask (4 bits) and per coordinate p (4 bits) + θ (1 bit)
  const E = (mask: number, p: number[], indIn: number[]): number => {
    let ind = indIn;
    let key = mask;
    for (let i = 0; i < n; i++) key = key * 32 + p[i]! * 2 + ind[i]!;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const c = cov(mask);
    let mult = 1;
    const live: number[] = [];
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i) || (p[i] === 0 && ind[i] === 0)) continue;
      if (c.hi[i * n + i]! <= DEGENERATE * diag[i]!) {
        if (p[i]! > 0) {
          memo.set(key, 0);
          return 0;
        }
        mult *= 0.5;
        if (ind === indIn) ind = ind.slice();
        ind[i] = 0; // resolved here: the constant ½, not passed on
        continue;
      }
      live.push(i);
    }
    let v: number;
    let j = -1;
    for (const i of live) if (p[i]! > 0 && (j < 0 || p[i]! > p[j]!)) j = i;
    if (live.length === 0) v = 1;
    else if (j < 0) v = orthantDD(c, n, live);
    else {
      v = 0;
      const pj = p.slice();
      pj[j] = pj[j]! - 1;
      for (const cc of live) {
        const kjc = c.hi[j * n + cc]!;
        if (kjc === 0) continue;
        if (pj[cc]! >= 1) {
          const q = pj.slice();
          q[cc] = q[cc]! - 1;
          v += kjc * pj[cc]! * E(mask, q, ind);
        } else if (ind[cc]) {
          const q = pj.slice();
          const r = ind.slice();
          q[cc] = 0;
          r[cc] = 0;
          v += (kjc * INV_SQRT_2PI / Math.sqrt(c.hi[cc * n + cc]!)) * E(mask | (1 << cc), q, r);
        }
      }
    }
    v *= mult;
    memo.set(key, v);
    return v;
  };
  return E(0, F.map((f) => f.p), F.map((f) => f.ind)) / sc ** (P / 2);
}

// ---------------------------------------------------------------------------------------------------------------
// Orthant probabilities

/** Angle ψ ∈ [0, π] between coordinates i and j of a double-double covariance: atan2(√det, K_ij). */
function angleDD(c: DDMatrix, n: number, i: number, j: number): number {
  const det = sub(mul(at(c, n, i, i), at(c, n, j, j)), mul(at(c, n, i, j), at(c, n, i, j)));
  return Math.atan2(Math.sqrt(Math.max(0, det[0])), c.hi[i * n + j]!);
}

/** P(z_i > 0, i ∈ idx) under the covariance c (positive diagonal on idx). */
function orthantDD(c: DDMatrix, n: number, idx: readonly number[]): number {
  switch (idx.length) {
    case 0: return 1;
    case 1: return 0.5;
    case 2: return 0.5 - angleDD(c, n, idx[0]!, idx[1]!) / (2 * Math.PI);
    case 3: {
      const [a, b, d] = idx as [number, number, number];
      return 0.5 - (angleDD(c, n, a, b) + angleDD(c, n, a, d) + angleDD(c, n, b, d)) / (4 * Math.PI);
    }
    case 4: {
      // a collinear pair (angle below COLLINEAR_SIN, as in pair.ts) is one coordinate, an anti-collinear one empties the
      // orthant: exact up to O(angle/2π), and it keeps the path integral away from a collinear cross pair
      for (let i = 0; i < 4; i++) {
        for (let j = i + 1; j < 4; j++) {
          const psi = angleDD(c, n, idx[i]!, idx[j]!);
          if (psi <= COLLINEAR_SIN) return orthantDD(c, n, idx.filter((_, k) => k !== j));
          if (psi >= Math.PI - COLLINEAR_SIN) return 0;
        }
      }
      return orthant4(c, n, idx);
    }
    default:
      throw new Error(`orthant probability in ${idx.length} dimensions is not implemented (at most 4 distinct inputs)`);
  }
}

/** P(z_i > 0 ∀ i) for z ~ N(0, C), C with positive diagonal, at most 4 dimensions. */
export function orthant(C: readonly (readonly number[])[]): number {
  const n = C.length;
  return orthantDD(psdDD(C, pow2Scale(C)), n, Array.from({ length: n }, (_, i) => i));
}

const ORTHANT4_NODES = 48;
const PAIRINGS: readonly (readonly [number, number, number, number])[] = [[0, 1, 2, 3], [0, 2, 1, 3], [0, 3, 1, 2]];

/**
 * Four-dimensional orthant probability by Plackett's identity along K(t) = (block entries) + t·(cross entries),
 * blocks = the pairing with the largest |correlations| (a nearly collinear pair stays inside a block, so the
 * integrand never conditions on it): P = P₂(block 1) P₂(block 2) + ∫₀¹ Σ_cross K_ab φ_ab(0, 0; t) P(z_c, z_d > 0 |
 * z_a = z_b = 0; t) dt, the conditional 2×2 covariance in double-double. Error ~1e-15 for angles between the
 * blocks ≳ 1e-3 (48 nodes in s, t = 1 − s²); the integrand has an integrable 1/√(1 − t) edge only when a cross
 * pair is collinear.
 */
function orthant4(c: DDMatrix, n: number, idx: readonly number[]): number {
  const v = (i: number, j: number): DD => at(c, n, idx[i]!, idx[j]!);
  const rho = (i: number, j: number): number => c.hi[idx[i]! * n + idx[j]!]! / Math.sqrt(c.hi[idx[i]! * n + idx[i]!]! * c.hi[idx[j]! * n + idx[j]!]!);
  let best = PAIRINGS[0]!;
  let bestScore = -1;
  for (const pr of PAIRINGS) {
    const s = Math.abs(rho(pr[0], pr[1])) + Math.abs(rho(pr[2], pr[3]));
    if (s > bestScore) {
      bestScore = s;
      best = pr;
    }
  }
  const [i0, j0, k0, l0] = best;
  const p2 = (a: number, b: number): number => 0.5 - angleDD(c, n, idx[a]!, idx[b]!) / (2 * Math.PI);
  const p0 = p2(i0, j0) * p2(k0, l0);
  // cross pairs (a, b) with a in block 1, b in block 2; c = partner of a, d = partner of b
  const cross = [[i0, k0, j0, l0], [i0, l0, j0, k0], [j0, k0, i0, l0], [j0, l0, i0, k0]] as const;
  const { x, w } = gaussLegendre01(ORTHANT4_NODES);
  let integral = 0;
  for (let q = 0; q < x.length; q++) {
    const s = x[q]!;
    const t = 1 - s * s;
    const T: DD = [t, 0];
    let dPdt = 0;
    for (const [a, b, cc, d] of cross) {
      const kab = v(a, b);
      if (kab[0] === 0) continue;
      const va = v(a, a);
      const vb = v(b, b);
      const tab = mul(T, kab);
      const detM = sub(mul(va, vb), mul(tab, tab));
      if (!(detM[0] > 0)) continue;
      const phi2 = 1 / (2 * Math.PI * Math.sqrt(detM[0]));
      // covariances with (a, b) under K(t): block entries kept, cross entries scaled by t
      const xa = v(cc, a);
      const xb = mul(T, v(cc, b));
      const ya = mul(T, v(d, a));
      const yb = v(d, b);
      // Σ = K_(cd) − K_(cd),(ab) M⁻¹ K_(ab),(cd), M = [[va, t kab], [t kab, vb]]
      const quad = (ua: DD, ub: DD, za: DD, zb: DD): DD =>
        div(add(sub(mul(vb, mul(ua, za)), mul(tab, add(mul(ua, zb), mul(ub, za)))), mul(va, mul(ub, zb))), detM);
      const scc = sub(v(cc, cc), quad(xa, xb, xa, xb));
      const sdd = sub(v(d, d), quad(ya, yb, ya, yb));
      const scd = sub(mul(T, v(cc, d)), quad(xa, xb, ya, yb));
      let pcd: number;
      if (!(scc[0] > DEGENERATE * c.hi[idx[cc]! * n + idx[cc]!]!) || !(sdd[0] > DEGENERATE * c.hi[idx[d]! * n + idx[d]!]!)) pcd = 0.25;
      else {
        const det = sub(mul(scc, sdd), mul(scd, scd));
        pcd = 0.5 - Math.atan2(Math.sqrt(Math.max(0, det[0])), scd[0]) / (2 * Math.PI);
      }
      dPdt += kab[0] * phi2 * pcd;
    }
    integral += w[q]! * dPdt * 2 * s; // dt = 2s ds
  }
  return p0 + integral;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points: products of σ^(k) at up to four distinct inputs, with or without group derivatives

const pairAtoms = (atoms: readonly Atom[]): [number, PairAtom][] => atoms.map(([c, f]) => [c, toPairAtom(f)]);

/** Smallest positive diagonal entry (the zero tests of conditioned sub-problems are relative to it). */
function minPositiveDiagonal(C: readonly (readonly number[])[]): number {
  let m = Infinity;
  for (let i = 0; i < C.length; i++) if (C[i]![i]! > 0) m = Math.min(m, C[i]![i]!);
  return Number.isFinite(m) ? m : 1;
}

/** Σ over one atom per coordinate of Π coef · expectPl(atoms). */
function sumOverAtoms(atoms: readonly Atom[][], C: number[][]): number {
  const scale = minPositiveDiagonal(C);
  const pick: PlFactor[] = new Array(atoms.length);
  let total = 0;
  const rec = (i: number, coef: number): void => {
    if (coef === 0) return;
    if (i === atoms.length) {
      total += coef * expectPl(pick, C, scale);
      return;
    }
    for (const [c, f] of atoms[i]!) {
      pick[i] = f;
      rec(i + 1, coef * c);
    }
  };
  rec(0, 1);
  return total;
}

/**
 * ⟨Π_a ∂^{deriv_a}[Π_{k ∈ orders_a} σ^(k)](z_a)⟩ over N(0, C), one group per distinct input (C is their kernel).
 * Each derivative acts on the whole product at its input (well defined where single product-rule terms such as
 * σ''σ'' = δ² are not). Inputs with C_aa = 0 are the constant 0: their factors are evaluated pointwise
 * (pointwiseAtZero) and a derivative there is refused. Two distinct inputs use the closed forms of pair.ts, in
 * `mode` ('contraction': the near-null projection for contractions with previous-layer tensors, see pair.ts), and
 * with the pair's kernel in double-double where `pairKernel` knows it (positions in `orders`).
 */
export function plGroupExpectation(
  pl: PlSlopes, C: readonly (readonly number[])[], orders: readonly (readonly number[])[], derivs: readonly number[], mode: PairMode = 'exact',
  pairKernel?: (i: number, j: number) => readonly [DD, DD, DD] | undefined,
): number {
  let mult = 1;
  const keep: number[] = [];
  for (let i = 0; i < orders.length; i++) {
    const d = derivs[i] ?? 0;
    if (orders[i]!.length === 0) {
      if (d > 0) return 0; // ∂ of a constant
      continue;
    }
    if (C[i]![i]! <= 0) {
      if (d > 0) undefinedProduct('a derivative at an input whose preactivation is identically 0 (zero variance: a zero input with C_b = 0)');
      mult *= pointwiseAtZero(pl, orders[i]!);
      continue;
    }
    keep.push(i);
  }
  if (mult === 0 || keep.length === 0) return mult;
  if (keep.length === 2) {
    const [a, b] = keep as [number, number];
    const fa = pairAtoms(productAtoms(pl, orders[a]!));
    const fb = pairAtoms(productAtoms(pl, orders[b]!));
    const exact = pairKernel?.(a, b);
    return mult * pairExpectation(fa, fb, derivs[a] ?? 0, derivs[b] ?? 0, C[a]![a]!, C[a]![b]!, C[b]![b]!, mode, undefined, exact);
  }
  const atoms = keep.map((i) => productAtoms(pl, orders[i]!, derivs[i] ?? 0));
  return mult * sumOverAtoms(atoms, keep.map((i) => keep.map((j) => C[i]![j]!)));
}

/** ⟨Π_a Π_{k ∈ orders_a} σ^(k)(z_a)⟩ over N(0, C), one entry of orders per distinct input. */
export function plProductExpectation(pl: PlSlopes, C: readonly (readonly number[])[], orders: readonly (readonly number[])[]): number {
  return plGroupExpectation(pl, C, orders, []);
}
