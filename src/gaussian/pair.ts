/**
 * Two-input Gaussian expectations of piecewise-linear factors and their derivatives, in closed form and stable at
 * every correlation angle, including the exactly collinear limit:
 *
 *   E(i, j) = ⟨∂_a^i ∂_b^j [f(z_a) g(z_b)]⟩,   (z_a, z_b) ~ N(0, K),
 *
 * f, g sums of atoms z^k (polynomial), z^k θ(z) (step) and δ^(n)(z) (src/gaussian/piecewise.ts builds them from
 * products of σ, σ', σ'', … of a piecewise-linear σ).
 *
 * Adapted coordinates. Take a as the input of larger variance (pivot), u = z_a, and w = z_b − β z_a with
 * β = K_ab/K_aa, so that u ~ N(0, K_aa) and w ~ N(0, s²), s² = det K / K_aa, are independent; in standard units
 * u = σ_a t, z_b = σ_b (C t + S v) with C = cos ψ = ρ, S = sin ψ, ψ ∈ [0, π] the correlation angle. Then
 * ∂_a = ∂_u − β ∂_w, ∂_b = ∂_w and
 *
 *   E(i, j) = Σ_l C(i,l) (−β)^l Ẽ(i−l, j+l),   Ẽ(p, q) = ⟨∂_u^p ∂_w^q [f(u) g(βu + w)]⟩
 *           = σ_a^{−p} E_t[ f(σ_a t) · h_q(σ_a t) · He_p(t) ],   h_q(u) = E_w[ g^(q)(βu + w) ],
 *
 * (Stein's identity in u only: the u-derivatives go onto the Gaussian weight as the Hermite polynomial He_p, the
 * w-derivatives stay on g). h_q is g^(q) smoothed over the narrow width s: for the atoms it is a polynomial
 * times Φ(Ct/S), φ(Ct/S) or 1, and the t-integrals are the closed forms
 *   ∫₀^∞ tᵐ φ(t) dt = M_m,   ∫₀^∞ tᵐ φ(ct) φ(t) dt = S^{m+1} M_m /√(2π),
 *   ∫₀^∞ tᵐ Φ(ct) φ(t) dt = J_m:  J_0 = ½ − ψ/2π,  J_m = (m−1) J_{m−2} + C S^{m−1} M_{m−1}/√(2π) + [m = 1]/(2√(2π)),
 * with c = C/S (δ-atoms at the pivot: derivatives at t = 0 by Leibniz' rule). Every coefficient is an integer or
 * dyadic rational times a power of C, S, 1/√(2π) and ψ, built once per (atom, atom, p) as an exact template with
 * C² reduced to 1 − S² (src/gaussian/pair.ts `template`). So no difference of nearly equal numbers is ever formed
 * as S → 0: a finite component has only nonnegative powers of S, and S = 0 (identical or collinear inputs) is
 * evaluated from the same template (θ(0) = ½ for a step times a δ at the same point follows from the smoothing).
 *
 * Accuracy: each term is a product of exact coefficients and correctly rounded powers, so Ẽ(p, q) has an error of
 * a few ulp of its largest term (≲ 50 terms; 2e-12 relative at worst against the oracle of
 * test/gaussian/piecewise-pair.test.ts; ≤ 5e-16 against the same templates summed in double-double at S = 1e-2 … 1e-6),
 * and that term has the size of the component as S → 0. S itself comes from det K computed in double-double (src/gaussian/dd.ts), exact for the given K; below COLLINEAR_SIN it is
 * set to 0. Where the pair's kernel is known beyond the rounding of K (`exactKernel`, from the double-double pair
 * chains of recursions/near-collinear.ts) its angle is used instead, down to EXACT_COLLINEAR_SIN.
 *
 * Contractions. The recursions contract E(i, j) with a previous-layer tensor T_δ1…δk (V, K¹, D, F) held in the
 * input basis; in adapted coordinates T's w-components are O(S^q) (cumulants of the small difference z_b − βz_a),
 * but the stored ones carry rounding of ~1e-16·|T|, while a few components grow as S → 0: for σ'σ' Ẽ(0,2), Ẽ(2,2),
 * Ẽ(1,3) ~ S⁻¹ and Ẽ(0,4) ~ S⁻³, for σσ Ẽ(0,4) ~ S⁻¹ (all others stay bounded and are always kept). Mode
 * 'contraction' weights the growing ones by ω (projectionWeight): kept where the stored tensor resolves their
 * contribution, dropped below. Modes 'resolved' and 'split' leave out those the caller supplies from the
 * double-double pair chains (recursions/near-collinear.ts) and keep the rest down to RESOLVED_MIN_SIN. Mode 'exact'
 * returns E(i, j) itself (and refuses a divergent component at S = 0).
 */
import { NnftInputError } from '../errors.ts';
import { add as ddAdd, atan2 as ddAtan2, dd, div as ddDiv, mul, pow as ddPow, sqrt as ddSqrt, sub, toNumber, type DD } from './dd.ts';

/** An atom in standard units: 0 = t^k, 1 = t^k θ(t), 2 = δ^(k)(t). */
export interface PairAtom {
  readonly kind: 0 | 1 | 2;
  readonly k: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Exact ring: Σ coef · S^e · C^c · ψ^g · ν^n  (ν = 1/√(2π)), c, g ∈ {0, 1}, with C² = 1 − S².

type Ring = Map<number, number>;
const key = (e: number, c: number, g: number, n: number): number => ((((e + 64) << 1) | c) << 1 | g) << 5 | n;
const keyE = (k: number): number => (k >> 7) - 64;
const keyC = (k: number): number => (k >> 6) & 1;
const keyG = (k: number): number => (k >> 5) & 1;
const keyN = (k: number): number => k & 31;

function addTerm(r: Ring, coef: number, e: number, c: number, g: number, n: number): void {
  if (coef === 0) return;
  if (c === 2) {
    addTerm(r, coef, e, 0, g, n);
    addTerm(r, -coef, e + 2, 0, g, n);
    return;
  }
  if (g > 1) throw new Error('pair template: ψ² does not occur');
  const k = key(e, c, g, n);
  const v = (r.get(k) ?? 0) + coef;
  if (v === 0) r.delete(k);
  else r.set(k, v);
}
const ring = (coef: number, e = 0, c = 0, g = 0, n = 0): Ring => {
  const r: Ring = new Map();
  addTerm(r, coef, e, c, g, n);
  return r;
};
function rAdd(a: Ring, b: Ring, s = 1): Ring {
  const r: Ring = new Map(a);
  for (const [k, v] of b) addTerm(r, s * v, keyE(k), keyC(k), keyG(k), keyN(k));
  return r;
}
function rMul(a: Ring, b: Ring): Ring {
  const r: Ring = new Map();
  for (const [k1, v1] of a) {
    for (const [k2, v2] of b) addTerm(r, v1 * v2, keyE(k1) + keyE(k2), keyC(k1) + keyC(k2), keyG(k1) + keyG(k2), keyN(k1) + keyN(k2));
  }
  return r;
}
const rScale = (a: Ring, s: number): Ring => rAdd(new Map(), a, s);
/** C^m · S^e */
function cs(m: number, e: number): Ring {
  let r = ring(1, e);
  for (let i = 0; i < m; i++) r = rMul(r, ring(1, 0, 1));
  return r;
}

// polynomials in t with ring coefficients
type Poly = Ring[];
function pAddAt(p: Poly, i: number, x: Ring): void {
  while (p.length <= i) p.push(new Map());
  p[i] = rAdd(p[i]!, x);
}

const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600];
const fact = (n: number): number => (n < FACT.length ? FACT[n]! : n * fact(n - 1));
const binom = (n: number, k: number): number => (k < 0 || k > n ? 0 : fact(n) / (fact(k) * fact(n - k)));
/** (m − 1)!! for even m ≥ 0 (the Gaussian moment E z^m). */
function oddFact(m: number): number {
  let r = 1;
  for (let q = m - 1; q > 1; q -= 2) r *= q;
  return r;
}
/** Coefficients of the probabilists' Hermite polynomial He_n (index = power). */
function hermite(n: number): number[] {
  const c = new Array<number>(n + 1).fill(0);
  for (let r = 0; 2 * r <= n; r++) c[n - 2 * r] = ((r % 2 ? -1 : 1) * fact(n)) / (fact(r) * fact(n - 2 * r) * 2 ** r);
  return c;
}
/** He_n(0) */
const hermite0 = (n: number): number => (n % 2 ? 0 : (n / 2) % 2 ? -oddFact(n) : oddFact(n));

/** M_m = ∫₀^∞ t^m φ(t) dt */
function M(m: number): Ring {
  if (m % 2 === 0) return ring(oddFact(m) / 2);
  const h = (m - 1) / 2;
  return ring(2 ** h * fact(h), 0, 0, 0, 1);
}
/** ∫₀^∞ t^m φ(ct) φ(t) dt = S^{m+1} M_m ν */
const Jgauss = (m: number): Ring => rMul(M(m), ring(1, m + 1, 0, 0, 1));
const jStepCache: Ring[] = [];
/** ∫₀^∞ t^m Φ(ct) φ(t) dt */
function Jstep(m: number): Ring {
  let r = jStepCache[m];
  if (r) return r;
  if (m === 0) r = rAdd(ring(0.5), ring(-1, 0, 0, 1, 2));
  else {
    r = rMul(rMul(ring(1, m - 1, 1), M(m - 1)), ring(1, 0, 0, 0, 1));
    if (m >= 2) r = rAdd(r, rScale(Jstep(m - 2), m - 1));
    if (m === 1) r = rAdd(r, ring(0.5, 0, 0, 0, 1));
  }
  jStepCache[m] = r;
  return r;
}
/** φ^(j)(0) = (−1)^j He_j(0) ν */
const dphi0 = (j: number): Ring => ring((j % 2 ? -1 : 1) * hermite0(j), 0, 0, 0, 1);

/** h(t) = E_v[B(Ct + Sv)] = P(t) Φ(ct) + G(t) φ(ct) + O(t) for a standard atom B. */
interface Smoothed {
  P: Poly;
  G: Poly;
  O: Poly;
}
function smoothed(b: PairAtom): Smoothed {
  const out: Smoothed = { P: [], G: [], O: [] };
  const k = b.k;
  if (b.kind === 0) {
    for (let i = 0; i <= k; i += 2) pAddAt(out.O, k - i, rScale(cs(k - i, i), binom(k, i) * oddFact(i)));
  } else if (b.kind === 1) {
    // (Ct + Sv)^k θ(Ct + Sv) = Σ_i C(k,i) (Ct)^{k−i} S^i v^i θ(v > −Ct/S); U_i = S^i E[v^i; v > −m] = a_i Φ + b_i(t) φ
    const a: Ring[] = [];
    const bp: Poly[] = [];
    for (let i = 0; i <= k; i++) {
      if (i === 0) {
        a.push(ring(1));
        bp.push([]);
      } else if (i === 1) {
        a.push(new Map());
        bp.push([ring(1, 1)]);
      } else {
        const s2 = ring(i - 1, 2);
        const ai = rMul(a[i - 2]!, s2);
        const bi: Poly = bp[i - 2]!.map((x) => rMul(x, s2));
        pAddAt(bi, i - 1, rScale(cs(i - 1, 1), (i - 1) % 2 ? -1 : 1)); // S (−Ct)^{i−1}
        a.push(ai);
        bp.push(bi);
      }
    }
    for (let i = 0; i <= k; i++) {
      const pre = rScale(cs(k - i, 0), binom(k, i));
      pAddAt(out.P, k - i, rMul(pre, a[i]!));
      bp[i]!.forEach((x, j) => pAddAt(out.G, k - i + j, rMul(pre, x)));
    }
  } else {
    // S^{−n−1} φ^(n)(Ct/S) = (−1)^n S^{−n−1} He_n(Ct/S) φ(Ct/S)
    const he = hermite(k);
    he.forEach((h, j) => {
      if (h !== 0) pAddAt(out.G, j, rScale(cs(j, -k - 1 - j), (k % 2 ? -1 : 1) * h));
    });
  }
  return out;
}

/** E_t[A(t) h(t) He_p(t)] for a standard atom A (t ~ N(0, 1)). */
function integrate(A: PairAtom, h: Smoothed, p: number): Ring {
  const hp = hermite(p);
  let res: Ring = new Map();
  if (A.kind === 2) {
    // (−1)^n d^n/dt^n [h(t) He_p(t) φ(t)] at 0
    const n = A.k;
    const hDeriv = (a: number): Ring => {
      let r: Ring = new Map();
      for (let i = 0; i <= a; i++) {
        const c = binom(a, i) * fact(i);
        const j = a - i;
        const P = h.P[i];
        if (P && P.size) r = rAdd(r, rMul(rScale(P, c), j === 0 ? ring(0.5) : rMul(cs(j, -j), dphi0(j - 1))));
        const G = h.G[i];
        if (G && G.size) r = rAdd(r, rMul(rScale(G, c), rMul(cs(j, -j), dphi0(j))));
      }
      const O = h.O[a];
      if (O && O.size) r = rAdd(r, rScale(O, fact(a)));
      return r;
    };
    for (let a = 0; a <= n; a++) {
      for (let b = 0; a + b <= n; b++) {
        const c = n - a - b;
        if (b > p) continue;
        const heb = (fact(p) / fact(p - b)) * hermite0(p - b);
        if (heb === 0) continue;
        const mult = (fact(n) / (fact(a) * fact(b) * fact(c))) * heb * (n % 2 ? -1 : 1);
        res = rAdd(res, rMul(rScale(hDeriv(a), mult), dphi0(c)));
      }
    }
    return res;
  }
  const k = A.k;
  const full = A.kind === 0;
  const parts: [Poly, (m: number) => Ring][] = [
    [h.P, (m) => (full ? rAdd(Jstep(m), rAdd(M(m), Jstep(m), -1), m % 2 ? -1 : 1) : Jstep(m))],
    [h.G, (m) => (full ? (m % 2 ? new Map() : rScale(Jgauss(m), 2)) : Jgauss(m))],
    [h.O, (m) => (full ? (m % 2 ? new Map() : rScale(M(m), 2)) : M(m))],
  ];
  for (const [poly, moment] of parts) {
    poly.forEach((x, i) => {
      if (!x.size) return;
      hp.forEach((hj, j) => {
        if (hj !== 0) res = rAdd(res, rMul(rScale(x, hj), moment(k + i + j)));
      });
    });
  }
  return res;
}

interface Template {
  coef: Float64Array;
  e: Int32Array;
  c: Uint8Array;
  g: Uint8Array;
  n: Uint8Array;
  minE: number;
}
const templates = new Map<string, Template>();
/** X(A, B, p) = E_{t,v}[A(t) B(Ct + Sv) He_p(t)] as an exact template in (S, C, ψ, ν). */
function template(A: PairAtom, B: PairAtom, p: number): Template {
  const id = `${A.kind}${A.k}|${B.kind}${B.k}|${p}`;
  let t = templates.get(id);
  if (t) return t;
  const r = integrate(A, smoothed(B), p);
  const keys = [...r.keys()];
  t = {
    coef: Float64Array.from(keys.map((k) => r.get(k)!)),
    e: Int32Array.from(keys.map(keyE)),
    c: Uint8Array.from(keys.map(keyC)),
    g: Uint8Array.from(keys.map(keyG)),
    n: Uint8Array.from(keys.map(keyN)),
    minE: Math.min(0, ...keys.map(keyE)),
  };
  templates.set(id, t);
  return t;
}

const NU = 0.3989422804014327; // 1/√(2π)
const NU_POW = Array.from({ length: 32 }, (_, i) => NU ** i);

/** Value of a template at (C, S, ψ); NaN when a negative power of S meets S = 0 (a divergent component). */
function evaluate(t: Template, C: number, S: number, psi: number): number {
  let sum = 0;
  for (let i = 0; i < t.coef.length; i++) {
    const e = t.e[i]!;
    let v = t.coef[i]! * NU_POW[t.n[i]!]!;
    if (t.c[i]) v *= C;
    if (t.g[i]) v *= psi;
    if (e !== 0) {
      if (S === 0) {
        if (e > 0) continue;
        return NaN;
      }
      v *= S ** e;
    }
    sum += v;
  }
  return sum;
}

/** Atom derivative B^(q): [factor, atom] or null when it vanishes. */
function derivAtom(b: PairAtom, q: number): [number, PairAtom] | null {
  if (q === 0) return [1, b];
  if (b.kind === 2) return [1, { kind: 2, k: b.k + q }];
  if (b.kind === 0) return q <= b.k ? [fact(b.k) / fact(b.k - q), { kind: 0, k: b.k - q }] : null;
  return q <= b.k ? [fact(b.k) / fact(b.k - q), { kind: 1, k: b.k - q }] : [fact(b.k), { kind: 2, k: q - b.k - 1 }];
}
const degree = (a: PairAtom): number => (a.kind === 2 ? -a.k - 1 : a.k);

/** log10 of the rounding noise of a stored previous-layer tensor relative to its largest entry (measured ≈ 1e-15). */
const NOISE_DECADES = 15;

/**
 * ω(q, S, d): weight of a growing adapted component of w-order q in an expectation with d derivatives (mode
 * 'contraction'). Kept where S^{q_e} ≥ 1e-15, dropped below, blended linearly in log10 S over one decade of S^{q_e}.
 * q_e = q balances the truncation error of a dropped component, ~S^q |Ẽ|, against the rounding of the tensor it
 * multiplies, ~1e-15 |T| |Ẽ|, with two adjustments measured on ε-sweeps (test/recursions/collinear-near.test.ts):
 * q_e = 3 for q = 2 of a second derivative, because ⟨∂∂(σ'σ')⟩ also enters squared (A: V⟨∂∂Ω⟩⟨∂∂Ω⟩, joint w-order 4,
 * rounding amplified by S⁻²) — the balance against the O(S) truncation of the single contractions (K¹⟨∂∂Ω⟩, D⟨∂∂P⟩);
 * q_e = 4.2 for q = 4 (S* = 2.7e-4), the measured optimum for Θ¹'s V⟨∂⁴σ'σ'⟩. Bounded components are never weighted.
 */
export function projectionWeight(q: number, S: number, d: number): number {
  if (q === 0) return 1;
  if (S <= 0) return 0;
  const qe = d === 2 && q === 2 ? 3 : q === 4 ? 4.2 : q;
  const x = NOISE_DECADES + qe * Math.log10(S);
  return x >= 1 ? 1 : x <= -1 ? 0 : (x + 1) / 2;
}

export interface PairGeometry {
  /** pivot first: [index of u, index of the other] in the caller's order (0 or 1) */
  swap: boolean;
  sa: number;
  sb: number;
  C: number;
  S: number;
  psi: number;
  beta: number;
}

/**
 * Angles below this are exactly collinear (S = 0). The rounding of K's entries alone makes det K uncertain by ~1e-16
 * K_aa K_bb, i.e. sin(angle) by ~1e-8: an exactly collinear pair (identical inputs, or positive multiples with C_b = 0)
 * computes as S ~ 1e-8 at random. Snapping below 1e-7 makes those exact and changes a genuinely near-collinear pair's
 * expectations by O(1e-7 / 2π) at most (the S-derivative of every bounded component is O(1), e.g. ⟨θθ⟩ = ½ − ψ/2π).
 * The same threshold, as an eigenvalue ratio S²/2, sets the numerical rank of three- and four-input kernels
 * (src/gaussian/piecewise.ts).
 */
export const COLLINEAR_SIN = 1e-7;

/** Adapted coordinates of a 2×2 kernel (pivot = larger variance); S from det K in double-double. */
export function pairGeometry(Kaa: number, Kab: number, Kbb: number): PairGeometry {
  const swap = Kbb > Kaa;
  const [va, vb] = swap ? [Kbb, Kaa] : [Kaa, Kbb];
  const sa = Math.sqrt(va);
  const sb = Math.sqrt(vb);
  const det = toNumber(sub(mul(dd(va), dd(vb)), mul(dd(Kab), dd(Kab))));
  let S = det > 0 ? Math.sqrt(det / va) / sb : 0;
  if (S < COLLINEAR_SIN) S = 0;
  let C = Kab / (sa * sb);
  if (!(S <= 1)) S = 1;
  if (C > 1) C = 1;
  else if (C < -1) C = -1;
  return { swap, sa, sb, C, S, psi: Math.atan2(S, C), beta: Kab / va };
}

/**
 * 'exact': E(i, j) itself. 'contraction': the growing components weighted by projectionWeight. 'resolved' and
 * 'split' leave out, below SPLIT_SIN, the growing components that the caller adds with the pair's four-point vertex
 * (and D) in its adapted basis computed in double-double (recursions/near-collinear.ts), and keep every other one
 * down to COLLINEAR_SIN: 'resolved' leaves out those of fourth derivatives (⟨∂⁴σ'σ'⟩ up to S⁻³, ⟨∂⁴σσ⟩ ~ S⁻¹, which
 * only V multiplies), 'split' those of second derivatives too (⟨∂_w²σ'σ'⟩ ~ S⁻¹). A kept component of growth S⁻¹
 * multiplies a stored component of w-order ≥ 2, whose rounding (~1e-16 of the tensor) it amplifies to ≤ 1e-16/S.
 */
export type PairMode = 'exact' | 'contraction' | 'resolved' | 'split';

/**
 * Modes 'resolved' and 'split' leave components out only below this sine: above it the stored V resolves them (its
 * rounding amplified by at most S⁻³ < 1e4 stays ≤ 1e-12 of the tensor).
 */
export const SPLIT_SIN = 0.05;

/**
 * Below this sine modes 'resolved' and 'split' drop every growing component (and nothing is added for them): the
 * O(S) term they carry is then ≤ 1e-8 of its scale, less than the rounding they would amplify (~1e-16/S of a stored
 * tensor; ~1e-32/S³ of the double-double V).
 */
export const RESOLVED_MIN_SIN = 1e-8;

/**
 * Angles below this count as collinear when a pair's kernel is known beyond the rounding of K (double-double from the
 * inputs): the inputs themselves are doubles, so exact multiples come out at S ~ 1e-16.
 */
export const EXACT_COLLINEAR_SIN = 1e-14;

/** Whether mode 'resolved' / 'split' leaves out a growing component of an expectation with d derivatives at sine S. */
export function droppedComponent(mode: PairMode, d: number, S: number): boolean {
  if (S < RESOLVED_MIN_SIN) return true;
  if (S >= SPLIT_SIN) return false;
  return mode === 'split' ? d >= 2 : mode === 'resolved' ? d === 4 : false;
}
type AtomList = readonly (readonly [number, PairAtom])[];

/**
 * Adapted component Ẽ(d − q, q) = ⟨∂_u^{d−q} ∂_w^q [f(u) g(βu + w)]⟩, u the pivot (f and g passed pivot first), and
 * its growth: the largest k such that a term ∝ S^{−k} is present (0 for a component bounded as S → 0).
 */
export function adaptedComponent(fu: AtomList, gw: AtomList, d: number, q: number, geom: PairGeometry, values = true): { value: number; growth: number } {
  const { sa, sb, C, S, psi } = geom;
  const p = d - q;
  let v = 0;
  let growth = 0;
  for (const [ca, A] of fu) {
    for (const [cb, B] of gw) {
      const bq = derivAtom(B, q);
      if (!bq) continue;
      const t = template(A, bq[1], p);
      growth = Math.max(growth, -t.minE);
      if (!values) continue;
      const x = evaluate(t, C, S, psi);
      if (Number.isNaN(x)) {
        throw new NnftInputError('factors', 'the expectation is undefined: derivatives of δ-functions at two identical or collinear inputs (a divergent term)',
          'identical inputs: merge them; in the recursions such terms are weighted by tensors that vanish on the collinear line');
      }
      v += ca * cb * bq[0] * x * sa ** (degree(A) - p) * sb ** (degree(B) - q);
    }
  }
  return { value: v, growth };
}

/**
 * ⟨∂_a^i ∂_b^j [f(z_a) g(z_b)]⟩ over N(0, [[Kaa, Kab], [Kab, Kbb]]), f and g as [coefficient, standard atom] lists
 * in the input's own units (an atom z^k θ(z) of z_a is σ_a^k t^k θ(t)). Both variances must be positive.
 */
export function pairExpectation(
  f: AtomList, g: AtomList, i: number, j: number,
  Kaa: number, Kab: number, Kbb: number, mode: PairMode = 'exact', geom: PairGeometry = pairGeometry(Kaa, Kab, Kbb),
  exactKernel?: readonly [DD, DD, DD],
): number {
  if (exactKernel) {
    // the pair's kernel known beyond the rounding of K (recursions/near-collinear.ts): its angle, not K's
    const gdd = cachedGeometryDD(exactKernel, geom.swap, EXACT_COLLINEAR_SIN);
    geom = { swap: gdd.swap, sa: toNumber(gdd.sa), sb: toNumber(gdd.sb), C: toNumber(gdd.C), S: toNumber(gdd.S), psi: toNumber(gdd.psi), beta: toNumber(gdd.beta) };
  }
  const [fu, gw, iu, jw] = geom.swap ? [g, f, j, i] : [f, g, i, j];
  const d = iu + jw;
  let total = 0;
  for (let l = 0; l <= iu; l++) {
    const q = jw + l;
    let w = 1;
    if (mode !== 'exact') {
      const { growth } = adaptedComponent(fu, gw, d, q, geom, false);
      if (growth > 0) w = mode === 'contraction' ? projectionWeight(q, geom.S, d) : droppedComponent(mode, d, geom.S) ? 0 : 1;
    }
    if (w === 0) continue;
    total += binom(iu, l) * (-geom.beta) ** l * w * adaptedComponent(fu, gw, d, q, geom).value;
  }
  return total;
}

/** The double-double geometry of the last pair kernel seen (a layer evaluates many expectations on one pair). */
let lastGeometry: { key: string; g: PairGeometryDD } | null = null;
function cachedGeometryDD(K: readonly [DD, DD, DD], swap: boolean, minSin: number): PairGeometryDD {
  const key = `${K.join(',')},${swap},${minSin}`;
  if (lastGeometry?.key === key) return lastGeometry.g;
  const g = pairGeometryDD(K[0], K[1], K[2], swap, minSin);
  lastGeometry = { key, g };
  return g;
}

// ---------------------------------------------------------------------------------------------------------------
// Double-double evaluation (for quantities propagated in double-double: recursions/near-collinear.ts)

/** 1/√(2π) as a double-double. */
const NU_DD: DD = [0.3989422804014327, -2.49232720227773e-17];

/**
 * Adapted coordinates of a 2×2 kernel given in double-double (pivot = larger variance, or b when pivotB is given
 * true: the same pivot as a double-precision geometry); S = 0 below minSin (default COLLINEAR_SIN).
 */
export interface PairGeometryDD {
  swap: boolean;
  sa: DD;
  sb: DD;
  C: DD;
  S: DD;
  psi: DD;
  beta: DD;
}

export function pairGeometryDD(Kaa: DD, Kab: DD, Kbb: DD, pivotB?: boolean, minSin = COLLINEAR_SIN): PairGeometryDD {
  const swap = pivotB ?? toNumber(Kbb) > toNumber(Kaa);
  const [va, vb] = swap ? [Kbb, Kaa] : [Kaa, Kbb];
  const sa = ddSqrt(va);
  const sb = ddSqrt(vb);
  const det = sub(mul(va, vb), mul(Kab, Kab));
  let S: DD = toNumber(det) > 0 ? ddDiv(ddSqrt(ddDiv(det, va)), sb) : [0, 0];
  if (toNumber(S) < minSin) S = [0, 0];
  const C = ddDiv(Kab, mul(sa, sb));
  return { swap, sa, sb, C, S, psi: ddAtan2(S, C), beta: ddDiv(Kab, va) };
}

/** Value of a template at (C, S, ψ) in double-double; null when a negative power of S meets S = 0. */
function evaluateDD(t: Template, C: DD, S: DD, psi: DD): DD | null {
  let sum: DD = [0, 0];
  const zero = S[0] === 0;
  for (let i = 0; i < t.coef.length; i++) {
    const e = t.e[i]!;
    if (zero && e !== 0) {
      if (e > 0) continue;
      return null;
    }
    let v: DD = mul(dd(t.coef[i]!), ddPow(NU_DD, t.n[i]!));
    if (t.c[i]) v = mul(v, C);
    if (t.g[i]) v = mul(v, psi);
    if (e !== 0) v = mul(v, ddPow(S, e));
    sum = ddAdd(sum, v);
  }
  return sum;
}

/** Atoms with coefficients as numbers or double-double values. */
type AtomListDD = readonly (readonly [number | DD, PairAtom])[];
const asDD = (c: number | DD): DD => (typeof c === 'number' ? dd(c) : c);

/** adaptedComponent's value in double-double (both factors' atoms pivot first; no growth bookkeeping). */
export function adaptedComponentDD(fu: AtomListDD, gw: AtomListDD, d: number, q: number, geom: PairGeometryDD): DD {
  const { sa, sb, C, S, psi } = geom;
  const p = d - q;
  let v: DD = [0, 0];
  for (const [ca, A] of fu) {
    for (const [cb, B] of gw) {
      const bq = derivAtom(B, q);
      if (!bq) continue;
      const x = evaluateDD(template(A, bq[1], p), C, S, psi);
      if (!x) {
        throw new NnftInputError('factors', 'the expectation is undefined: derivatives of δ-functions at two identical or collinear inputs (a divergent term)',
          'identical inputs: merge them; in the recursions such terms are weighted by tensors that vanish on the collinear line');
      }
      const coef = mul(mul(asDD(ca), asDD(cb)), dd(bq[0]));
      v = ddAdd(v, mul(mul(mul(coef, x), ddPow(sa, degree(A) - p)), ddPow(sb, degree(B) - q)));
    }
  }
  return v;
}

/** pairExpectation (mode 'exact') in double-double, for a kernel given in double-double. */
export function pairExpectationDD(f: AtomListDD, g: AtomListDD, i: number, j: number, geom: PairGeometryDD): DD {
  const [fu, gw, iu, jw] = geom.swap ? [g, f, j, i] : [f, g, i, j];
  const d = iu + jw;
  let total: DD = [0, 0];
  const mb: DD = [-geom.beta[0], -geom.beta[1]];
  for (let l = 0; l <= iu; l++) {
    const c = mul(dd(binom(iu, l)), ddPow(mb, l));
    total = ddAdd(total, mul(c, adaptedComponentDD(fu, gw, d, jw + l, geom)));
  }
  return total;
}
