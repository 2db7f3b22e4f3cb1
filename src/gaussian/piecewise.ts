/**
 * Exact reduction of Gaussian expectations of piecewise-linear activations and their distributional
 * derivatives (δ, δ' reduced analytically): no quadrature of steps or kinks.
 *
 * σ(z) = s₋ z + J z θ(z) (J = s₊ − s₋), σ' = s₋ + J θ(z), σ^(k) = J δ^(k−2)(z) for k ≥ 2. A product of such
 * factors expands into terms c · Π_a f_a(z_a) with f_a ∈ { z^p, z^p θ(z), δ^(j)(z) }. Each term is reduced by
 *  1. δ^(j)(z_a):  E[δ^(j)(z_a) G] = (−1)^j Σ_i C(j,i) p_a^(j−i)(0) E'[(D^i G)],  D = Σ_b (K_ab/K_aa) ∂_b,
 *     E' over the conditional Gaussian given z_a = 0 (one dimension less, zero mean);
 *  2. powers z_b^p: Stein, E[z_b H] = Σ_c K_bc E[∂_c H]  (∂θ = δ, handled by 1);
 *  3. what remains is an orthant probability P(z_b > 0, b ∈ S), |S| ≤ 4: closed forms for |S| ≤ 3
 *     (¼ + asin ρ/2π, ⅛ + Σ asin ρ/4π) and, for |S| = 4, Plackett's identity ∂P/∂ρ_ij = φ₂(0,0;ρ_ij)
 *     P(z_k, z_l > 0 | z_i = z_j = 0) integrated along a straight path from a block-diagonal start
 *     (Gauss–Legendre in s, t = 1 − s², which removes the endpoint square-root behaviour of singular K).
 * Conventions for products at one point (duplicate inputs): θ(0) = ½ (the symmetric-mollifier limit);
 * δ·δ, δ^(j)·θ with j ≥ 1 and δ on a coordinate of zero variance are undefined and throw.
 */
import { NnftInputError } from '../errors.ts';
import { gaussLegendre01 } from './legendre.ts';

export interface PlFactor {
  /** power of z (when dj < 0) */
  readonly p: number;
  /** 1: multiplied by θ(z) */
  readonly ind: 0 | 1;
  /** ≥ 0: this factor is δ^(dj)(z) (then p = 0, ind = 0) */
  readonly dj: number;
}

const ONE: PlFactor = { p: 0, ind: 0, dj: -1 };
const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600];
const fact = (n: number): number => (n < FACT.length ? FACT[n]! : n * fact(n - 1));
const falling = (p: number, m: number): number => {
  let r = 1;
  for (let i = 0; i < m; i++) r *= p - i;
  return r;
};
const binom = (n: number, k: number): number => fact(n) / (fact(k) * fact(n - k));
const INV_SQRT_2PI = 0.3989422804014327;

function undefinedProduct(what: string): never {
  throw new NnftInputError('factors', `the expectation is undefined: ${what}`, 'for single-input or duplicate-input expectations of piecewise-linear σ use the Hermite form ⟨f\'\'⟩ = ⟨f(z²−K)⟩/K² (docs/equations.md), or smooth activations');
}

/** Atoms of σ^(k) for slopes (sn, sp): list of [coef, factor]. */
export function plAtoms(k: number, sn: number, sp: number): [number, PlFactor][] {
  const J = sp - sn;
  const out: [number, PlFactor][] = [];
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
export function mulAtomsPublic(a: [number, PlFactor], b: [number, PlFactor]): [number, PlFactor][] {
  const [ca, fa] = a;
  const [cb, fb] = b;
  if (fa.dj >= 0 && fb.dj >= 0) undefinedProduct('a product of two δ-functions at the same point');
  if (fa.dj < 0 && fb.dj < 0) return [[ca * cb, { p: fa.p + fb.p, ind: (fa.ind | fb.ind) as 0 | 1, dj: -1 }]];
  const [cd, d, ch, h] = fa.dj >= 0 ? [ca, fa, cb, fb] : [cb, fb, ca, fa];
  // h(z) δ^(j)(z) = Σ_l (−1)^l C(j,l) h^(l)(0) δ^(j−l)(z), h = z^p θ^ind
  const j = d.dj;
  const out: [number, PlFactor][] = [];
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
function dFactor(f: PlFactor, m: number): [number, PlFactor] | null {
  if (m === 0) return [1, f];
  if (f.dj >= 0) return [1, { p: 0, ind: 0, dj: f.dj + m }];
  if (f.ind === 0) return m <= f.p ? [falling(f.p, m), { p: f.p - m, ind: 0, dj: -1 }] : null;
  return m <= f.p ? [falling(f.p, m), { p: f.p - m, ind: 1, dj: -1 }] : [fact(f.p), { p: 0, ind: 0, dj: m - f.p - 1 }];
}

function condition(C: number[][], a: number): { Cp: number[][]; r: number[] } {
  const n = C.length;
  const caa = C[a]![a]!;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (i !== a) idx.push(i);
  const r = idx.map((b) => C[b]![a]! / caa);
  const Cp = idx.map((b, i) => idx.map((c) => C[b]![c]! - r[i]! * C[a]![c]!));
  return { Cp, r };
}

function expectRec(fs: readonly PlFactor[], C: readonly (readonly number[])[], scale: number): number {
  // drop identity factors (marginalise)
  let keep: number[] | null = null;
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i]!;
    if (f.dj < 0 && f.p === 0 && f.ind === 0) {
      keep ??= [];
    }
  }
  let F = fs as PlFactor[];
  let M = C as number[][];
  if (keep) {
    const idx = fs.map((_, i) => i).filter((i) => !(fs[i]!.dj < 0 && fs[i]!.p === 0 && fs[i]!.ind === 0));
    F = idx.map((i) => fs[i]!);
    M = idx.map((i) => idx.map((j) => C[i]![j]!));
  }
  const n = F.length;
  if (n === 0) return 1;
  // zero-variance coordinates: z ≡ 0
  const zeroTol = 1e-15 * scale;
  let mult = 1;
  const live: number[] = [];
  for (let i = 0; i < n; i++) {
    if (M[i]![i]! <= zeroTol) {
      const f = F[i]!;
      if (f.dj >= 0) undefinedProduct('a δ-function on a coordinate of zero variance (identical or collinear inputs, or a zero kernel entry)');
      if (f.p > 0) return 0;
      if (f.ind === 1) mult *= 0.5;
    } else live.push(i);
  }
  if (live.length < n) {
    return mult * expectRec(live.map((i) => F[i]!), live.map((i) => live.map((j) => M[i]![j]!)), scale);
  }
  // 1. δ-functions
  let a = -1;
  for (let i = 0; i < n; i++) if (F[i]!.dj >= 0 && (a < 0 || M[i]![i]! > M[a]![a]!)) a = i;
  if (a >= 0) {
    const j = F[a]!.dj;
    const caa = M[a]![a]!;
    const { Cp, r } = condition(M, a);
    const rest = F.filter((_, i) => i !== a);
    const s = Math.sqrt(caa);
    let total = 0;
    for (let i = 0; i <= j; i++) {
      const m = j - i; // order of the density derivative
      if (m % 2 === 1) continue;
      // p^(m)(0) = (−1)^m He_m(0) φ(0)/s^{m+1}, He_m(0) = (−1)^{m/2}(m−1)!!
      let dfact = 1;
      for (let q = m - 1; q > 0; q -= 2) dfact *= q;
      const pm = ((m / 2) % 2 ? -1 : 1) * dfact * INV_SQRT_2PI / Math.pow(s, m + 1);
      const coef = binom(j, i) * pm;
      total += coef * applyD(rest, r, i, Cp, scale);
    }
    return (j % 2 ? -1 : 1) * total;
  }
  // 2. collinear coordinates are merged exactly
  const merged = mergeCollinear(F, M, scale);
  if (merged !== null) return merged;
  // 3. Euler + Stein for the homogeneous product of degree P = Σ p:
  //    P·E[F] = E[u·∇_u F] = E[Δ_u F] = Σ_{c,d} C_cd E[∂_c ∂_d F]   (z = A u, u standard normal)
  //    Both derivatives act symmetrically, which keeps every term well defined for rank-deficient C
  //    (a one-sided Stein step E[z_b H] = Σ_c C_bc E[∂_c H] produces δ(z_a)δ(z_b)θ(z_c) with
  //    z_c ∈ span(z_a, z_b), which is ambiguous on its own).
  let P = 0;
  for (let i = 0; i < n; i++) P += F[i]!.p;
  if (P > 0) {
    let total = 0;
    for (let c = 0; c < n; c++) {
      for (let d = c; d < n; d++) {
        const kcd = M[c]![d]!;
        if (kcd === 0) continue;
        const G = F.slice();
        let coef = (c === d ? 1 : 2) * kcd;
        if (c === d) {
          const dd = dFactor(F[c]!, 2);
          if (!dd) continue;
          G[c] = dd[1];
          coef *= dd[0];
        } else {
          const dc = dFactor(F[c]!, 1);
          const dd = dFactor(F[d]!, 1);
          if (!dc || !dd) continue;
          G[c] = dc[1];
          G[d] = dd[1];
          coef *= dc[0] * dd[0];
        }
        total += coef * expectRec(G, M, scale);
      }
    }
    return total / P;
  }
  // 4. orthant probability over the θ coordinates (all remaining factors are θ)
  return orthant(M);
}

const COLLINEAR = 1e-13; // |ρ| ≥ 1 − 1e-13: treated as exactly collinear (rounding in conditional covariances)

/**
 * Expectation of Π_a fs[a](z_a) over N(0, C); scale: magnitude of the original kernel (for zero tests).
 */
export function expectPl(fs: readonly PlFactor[], C: readonly (readonly number[])[], scale: number): number {
  return expectRec(fs, C, scale);
}

/**
 * Merge the first collinear pair (|ρ| = 1) of a δ-free term exactly: z_j = βz_i gives
 * z_j^p θ(z_j) = β^p z_i^p θ(±z_i), θ(−z) = 1 − θ(z). Returns null when there is none.
 */
function mergeCollinear(F: PlFactor[], M: number[][], scale: number): number | null {
  for (let i = 0; i < F.length; i++) {
    for (let j = i + 1; j < F.length; j++) {
      const rho = M[i]![j]! / Math.sqrt(M[i]![i]! * M[j]![j]!);
      if (Math.abs(rho) < 1 - COLLINEAR) continue;
      const beta = Math.sign(rho) * Math.sqrt(M[j]![j]! / M[i]![i]!);
      const fi = F[i]!;
      const fj = F[j]!;
      const keep = F.map((_, k) => k).filter((k) => k !== j);
      const Mk = keep.map((x) => keep.map((y) => M[x]![y]!));
      const withF = (f: PlFactor): PlFactor[] => keep.map((k) => (k === i ? f : F[k]!));
      const c = Math.pow(beta, fj.p);
      const p = fi.p + fj.p;
      if (beta > 0 || fj.ind === 0) return c * expectRec(withF({ p, ind: (fi.ind | fj.ind) as 0 | 1, dj: -1 }), Mk, scale);
      if (fi.ind === 1) return 0; // θ(z)θ(−z) = 0 a.e.
      return c * (expectRec(withF({ p, ind: 0, dj: -1 }), Mk, scale) - expectRec(withF({ p, ind: 1, dj: -1 }), Mk, scale));
    }
  }
  return null;
}

/** E'[(D^i G)] with D = Σ_b r_b ∂_b acting on the product of factors G. */
function applyD(G: PlFactor[], r: number[], i: number, Cp: number[][], scale: number): number {
  if (i === 0) return expectRec(G, Cp, scale);
  const n = G.length;
  let total = 0;
  const m = new Array(n).fill(0);
  const rec = (pos: number, left: number) => {
    if (pos === n - 1) {
      m[pos] = left;
      let coef = fact(i);
      const H: PlFactor[] = [];
      for (let b = 0; b < n; b++) {
        if (m[b] > 0 && r[b] === 0) return;
        const d = dFactor(G[b]!, m[b]);
        if (!d) return;
        coef *= (d[0] * Math.pow(r[b]!, m[b])) / fact(m[b]);
        H.push(d[1]);
      }
      total += coef * expectRec(H, Cp, scale);
      return;
    }
    for (let k = 0; k <= left; k++) {
      m[pos] = k;
      rec(pos + 1, left - k);
    }
  };
  if (n === 0) return 0;
  rec(0, i);
  return total;
}

const ONE_TOL = 1e-13;

/** P(z_i > 0 ∀ i) for z ~ N(0, C), C with positive diagonal. */
export function orthant(C: readonly (readonly number[])[]): number {
  const n = C.length;
  // correlations
  const R = C.map((row, i) => row.map((v, j) => (i === j ? 1 : v / Math.sqrt(C[i]![i]! * C[j]![j]!))));
  // collapse (anti)duplicates
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const rho = R[i]![j]!;
      if (rho <= -1 + ONE_TOL) return 0;
      if (rho >= 1 - ONE_TOL) {
        const idx = Array.from({ length: n }, (_, k) => k).filter((k) => k !== j);
        return orthant(idx.map((p) => idx.map((q) => R[p]![q]!)));
      }
    }
  }
  const as = asinClamp;
  switch (n) {
    case 0: return 1;
    case 1: return 0.5;
    case 2: return 0.25 + as(R[0]![1]!) / (2 * Math.PI);
    case 3: return 0.125 + (as(R[0]![1]!) + as(R[0]![2]!) + as(R[1]![2]!)) / (4 * Math.PI);
    case 4: return orthant4(R);
    default:
      throw new Error(`orthant probability in ${n} dimensions is not implemented (at most 4 distinct inputs)`);
  }
}

const ORTHANT4_NODES = 48;
const PAIRINGS: readonly (readonly [number, number, number, number])[] = [[0, 1, 2, 3], [0, 2, 1, 3], [0, 3, 1, 2]];

function asinClamp(x: number): number {
  return Math.asin(x > 1 ? 1 : x < -1 ? -1 : x);
}

/** (u_a, u_b) [[1, rt], [rt, 1]]⁻¹ (v_a, v_b)ᵀ with det = 1 − rt². */
function quadForm(rt: number, det: number, ua: number, ub: number, va: number, vb: number): number {
  return (ua * va + ub * vb - rt * (ua * vb + ub * va)) / det;
}

function orthant4(R: number[][]): number {
  // choose the pairing {(i,j),(k,l)} that keeps the largest correlations inside the blocks
  let best = PAIRINGS[0]!;
  let bestScore = -1;
  for (const pr of PAIRINGS) {
    const sc = Math.abs(R[pr[0]]![pr[1]]!) + Math.abs(R[pr[2]]![pr[3]]!);
    if (sc > bestScore) {
      bestScore = sc;
      best = pr;
    }
  }
  const [i0, j0, k0, l0] = best;
  const p0 = (0.25 + asinClamp(R[i0]![j0]!) / (2 * Math.PI)) * (0.25 + asinClamp(R[k0]![l0]!) / (2 * Math.PI));
  // cross pairs (a, b) and their complements (c, d): R(t) keeps block entries, scales cross entries by t
  const cross = [[i0, k0, j0, l0], [i0, l0, j0, k0], [j0, k0, i0, l0], [j0, l0, i0, k0]] as const;
  const { x, w } = gaussLegendre01(ORTHANT4_NODES);
  const Rt = [new Float64Array(4), new Float64Array(4), new Float64Array(4), new Float64Array(4)];
  const inBlock = (a: number, b: number): boolean => (a === i0 && b === j0) || (a === j0 && b === i0) || (a === k0 && b === l0) || (a === l0 && b === k0);
  const blockMask: boolean[][] = [0, 1, 2, 3].map((a) => [0, 1, 2, 3].map((b) => a === b || inBlock(a, b)));
  let integral = 0;
  for (let q = 0; q < x.length; q++) {
    const s = x[q]!;
    const t = 1 - s * s;
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) Rt[a]![b] = a === b ? 1 : blockMask[a]![b]! ? R[a]![b]! : t * R[a]![b]!;
    let dPdt = 0;
    for (const [a, b, c, d] of cross) {
      const rab = R[a]![b]!;
      if (rab === 0) continue;
      const rt = t * rab;
      const det = 1 - rt * rt;
      const phi2 = 1 / (2 * Math.PI * Math.sqrt(Math.max(1e-300, det)));
      // conditional covariance of (z_c, z_d) given z_a = z_b = 0 (inverse of [[1, rt], [rt, 1]])
      const ra = Rt[a]!;
      const rb = Rt[b]!;
      const ca = ra[c]!, cb = rb[c]!, da = ra[d]!, db = rb[d]!;
      const scc = 1 - quadForm(rt, det, ca, cb, ca, cb);
      const sdd = 1 - quadForm(rt, det, da, db, da, db);
      const scd = Rt[c]![d]! - quadForm(rt, det, ca, cb, da, db);
      const p2 = scc <= 0 || sdd <= 0 ? 0.25 : 0.25 + asinClamp(scd / Math.sqrt(scc * sdd)) / (2 * Math.PI);
      dPdt += rab * phi2 * p2;
    }
    integral += w[q]! * dPdt * 2 * s; // dt = 2s ds (t from 0 to 1 ↔ s from 1 to 0)
  }
  return p0 + integral;
}

export { ONE };
