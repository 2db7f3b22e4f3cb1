/**
 * Hand-typed reference evaluators: the IBP forms of docs/equations.md (slot order of docs/conventions.md)
 * typed in directly, term by term, against the src/recursion-contract.ts contract.
 *
 * Role: an independent test oracle, never used by the toolkit. The solver (recursions/index.ts) runs the
 * symbolic engine's compiled evaluators (src/symbolic, derived from recursions/quantities/*.ts); the tests run
 * the solver with these evaluators instead and compare the outputs entry by entry.
 *
 * Notation: ⟨·⟩ over z ~ N(0, K⁽ℓ⁾); S_ab = σ_aσ_b, P_ab = σ'_aσ'_b,
 * Ω_ab = λ_W σ_aσ_b + C_W Θ⁽ℓ⁾_ab σ'_aσ'_b; r = n_ℓ/n_{ℓ−1}; every Σ runs over the input indices δ the
 * integrand depends on (so δ ∈ {a, b}, each distinct index once when a = b). No inverse kernel appears, so
 * singular K (duplicate or collinear inputs) needs no special case here.
 *
 *   V'_(ab)(cd) = C_W²(⟨S_ab S_cd⟩ − ⟨S_ab⟩⟨S_cd⟩) + (C_W²/4) r Σ V_(δ1δ2)(δ3δ4) ⟨∂δ1∂δ2 S_ab⟩⟨∂δ3∂δ4 S_cd⟩
 *   K1'_ab      = C_W r [ ½ Σ K1_δ1δ2 ⟨∂δ1∂δ2 S_ab⟩ + ⅛ Σ V_(δ1δ2)(δ3δ4) ⟨∂δ1∂δ2∂δ3∂δ4 S_ab⟩ ]
 *   D'_abcd     = C_W(⟨Ω_ab S_cd⟩ − ⟨Ω_ab⟩⟨S_cd⟩) + (C_W/4) r Σ V_(δ1δ2)(δ3δ4) ⟨∂δ1∂δ2 Ω_ab⟩⟨∂δ3∂δ4 S_cd⟩
 *                 + (C_W²/2) r ⟨P_ab⟩ Σ D_abδ1δ2 ⟨∂δ1∂δ2 S_cd⟩                      (NTK slots a,b; z slots c,d)
 *   F'_abcd     = C_W² ⟨σ'_a σ_b σ'_c σ_d⟩ Θ_ac + C_W² r Σ ⟨∂δ1(σ'_a σ_b)⟩⟨∂δ2(σ'_c σ_d)⟩ F_aδ1cδ2 (NTK a,c; z b,d)
 *   A'_(ab)(cd) = ⟨Ω_ab Ω_cd⟩ − ⟨Ω_ab⟩⟨Ω_cd⟩ + ¼ r Σ V_(δ1δ2)(δ3δ4) ⟨∂δ1∂δ2 Ω_ab⟩⟨∂δ3∂δ4 Ω_cd⟩
 *                 + (C_W/2) r Σ ( ⟨∂δ1∂δ2 Ω_ab⟩ D_cdδ1δ2 ⟨P_cd⟩ + ⟨∂δ1∂δ2 Ω_cd⟩ D_abδ1δ2 ⟨P_ab⟩ )
 *                 + C_W² r ⟨P_ab⟩⟨P_cd⟩ A_(ab)(cd)
 *   B'_abcd     = C_W² ⟨σ'_a σ'_b σ'_c σ'_d⟩ Θ_ac Θ_bd + C_W² r ⟨P_ab⟩⟨P_cd⟩ B_abcd
 *   Θ1'_ab      = r [ C_W ⟨P_ab⟩ Θ1_ab + ½ Σ K1_δ1δ2 ⟨∂δ1∂δ2 Ω_ab⟩ + ⅛ Σ V_(δ1δ2)(δ3δ4) ⟨∂δ1∂δ2∂δ3∂δ4 Ω_ab⟩
 *                   + (C_W/2) Σ D_abδ1δ2 ⟨∂δ1∂δ2 P_ab⟩ + C_W Σ F_aδ1bδ2 ⟨∂δ1∂δ2 P_ab⟩ ]
 *
 * Source of the system: Guillen, Misof, Gerken, "Finite-width neural tangent kernels from Feynman diagrams" (arXiv 2508.11522;
 * V4 and K1 also PDLT ch. 4). Symmetries used to compute each distinct entry once: V4 and A are symmetric
 * under a↔b, c↔d and (ab)↔(cd); D under a↔b and c↔d; F_abcd = F_cdab; B_abcd = B_cdab = B_badc.
 */
import type { DerivFactor } from '../../src/gaussian/types.ts';
import type { DerivGroup, LayerEvaluator, RecursionContext } from '../../src/recursion-contract.ts';
import type { QuantityName } from '../../src/quantities.ts';
import { add, expectPoly, mul, scale, sig, support, type Poly } from './poly.ts';


/** ⟨∂δ1…∂δk p⟩ for every ordered tuple δ ∈ support(p)^k (derivatives commute: each multiset computed once). */
interface DTerm {
  idx: number[];
  v: number;
}

/**
 * ⟨∂^{counts} p⟩: every derivative acts on the whole product of p's factors at its input (expectGroups), so the
 * value is well defined for piecewise-linear σ too (see RecursionContext.expectGroups).
 */
function dExpect(ctx: RecursionContext, p: Poly, counts: Map<number, number>): number {
  let s = 0;
  for (const mo of p) {
    const by = new Map<number, number[]>();
    for (const f of mo.f) {
      let l = by.get(f.input);
      if (!l) by.set(f.input, (l = []));
      l.push(f.order);
    }
    let ok = true;
    for (const d of counts.keys()) if (!by.has(d)) ok = false; // derivative of a factor-free input
    if (!ok) continue;
    const groups: DerivGroup[] = [...by.entries()].map(([input, orders]) => ({ input, orders, deriv: counts.get(input) ?? 0 }));
    s += mo.c * ctx.expectGroups(groups);
  }
  return s;
}

function derivTerms(ctx: RecursionContext, p: Poly, order: number): DTerm[] {
  const I = support(p);
  const cache = new Map<string, number>();
  const out: DTerm[] = [];
  const tuple: number[] = new Array(order);
  const rec = (k: number): void => {
    if (k === order) {
      const sorted = tuple.slice().sort((x, y) => x - y);
      const key = sorted.join(',');
      let v = cache.get(key);
      if (v === undefined) {
        const counts = new Map<number, number>();
        for (const d of sorted) counts.set(d, (counts.get(d) ?? 0) + 1);
        v = dExpect(ctx, p, counts);
        cache.set(key, v);
      }
      out.push({ idx: tuple.slice(), v });
      return;
    }
    for (const d of I) {
      tuple[k] = d;
      rec(k + 1);
    }
  };
  rec(0);
  return out;
}

const S = (a: number, b: number): Poly => mul(sig(a), sig(b));
const P = (a: number, b: number): Poly => mul(sig(a, 1), sig(b, 1));
function Omega(ctx: RecursionContext, a: number, b: number): Poly {
  const th = need(ctx, 'Theta')[a * ctx.m + b]!;
  return add(scale(S(a, b), ctx.lambdaW), scale(P(a, b), ctx.cw * th));
}

function need(ctx: RecursionContext, q: Exclude<QuantityName, 'K'>): Float64Array {
  const t = ctx.prev[q];
  if (!t) throw new Error(`reference evaluator: layer tensors lack ${q}`);
  return t;
}

const i2 = (m: number, a: number, b: number): number => a * m + b;
const i4 = (m: number, a: number, b: number, c: number, d: number): number => ((a * m + b) * m + c) * m + d;

/** Σ_{δ1δ2 ∈ h1} Σ_{δ3δ4 ∈ h2} T[δ1δ2δ3δ4] h1.v h2.v */
function contract22(T: Float64Array, m: number, h1: DTerm[], h2: DTerm[]): number {
  let s = 0;
  for (const x of h1) {
    if (x.v === 0) continue;
    let t = 0;
    for (const y of h2) t += T[i4(m, x.idx[0]!, x.idx[1]!, y.idx[0]!, y.idx[1]!)]! * y.v;
    s += x.v * t;
  }
  return s;
}
function contract2(T: Float64Array, m: number, h: DTerm[]): number {
  let s = 0;
  for (const x of h) s += T[i2(m, x.idx[0]!, x.idx[1]!)]! * x.v;
  return s;
}
function contract4(T: Float64Array, m: number, h: DTerm[]): number {
  let s = 0;
  for (const x of h) s += T[i4(m, x.idx[0]!, x.idx[1]!, x.idx[2]!, x.idx[3]!)]! * x.v;
  return s;
}
/** Σ_{δ1δ2} D[a][b][δ1][δ2] h.v */
function contractD(D: Float64Array, m: number, a: number, b: number, h: DTerm[]): number {
  let s = 0;
  for (const x of h) s += D[i4(m, a, b, x.idx[0]!, x.idx[1]!)]! * x.v;
  return s;
}

function pairs(m: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a < m; a++) for (let b = a; b < m; b++) out.push([a, b]);
  return out;
}

/** The symmetric m × m matrix with entries entry(a, b) = entry(b, a), each computed once (a ≤ b). */
function symmetricMatrix(m: number, entry: (a: number, b: number) => number): Float64Array {
  const out = new Float64Array(m * m);
  for (const [a, b] of pairs(m)) {
    const v = entry(a, b);
    out[i2(m, a, b)] = v;
    out[i2(m, b, a)] = v;
  }
  return out;
}

function setPairSym(out: Float64Array, m: number, a: number, b: number, c: number, d: number, v: number): void {
  out[i4(m, a, b, c, d)] = v;
  out[i4(m, b, a, c, d)] = v;
  out[i4(m, a, b, d, c)] = v;
  out[i4(m, b, a, d, c)] = v;
}
function setV4Sym(out: Float64Array, m: number, a: number, b: number, c: number, d: number, v: number): void {
  setPairSym(out, m, a, b, c, d, v);
  setPairSym(out, m, c, d, a, b, v);
}
function isZero(t: Float64Array | undefined): boolean {
  if (!t) return true;
  for (let i = 0; i < t.length; i++) if (t[i] !== 0) return false;
  return true;
}

/** K'_ab = C_b + C_W ⟨σ_a σ_b⟩ (direct). */
export const K: LayerEvaluator = (ctx) => symmetricMatrix(ctx.m, (a, b) => ctx.cb + ctx.cw * expectPoly(S(a, b), ctx.expect));

/** Θ'_ab = λ_b + λ_W ⟨σ_aσ_b⟩ + C_W ⟨σ'_aσ'_b⟩ Θ_ab (direct). */
export const Theta: LayerEvaluator = (ctx) => {
  const { m } = ctx;
  const th = need(ctx, 'Theta');
  return symmetricMatrix(m, (a, b) => ctx.lambdaB + ctx.lambdaW * expectPoly(S(a, b), ctx.expect) + ctx.cw * expectPoly(P(a, b), ctx.expect) * th[i2(m, a, b)]!);
};

export const V4: LayerEvaluator = (ctx) => {
  const { m, cw, r } = ctx;
  const E = ctx.expect;
  const V = need(ctx, 'V4');
  const carry = r !== 0 && !isZero(V);
  const ps = pairs(m);
  const Sp = ps.map(([a, b]) => S(a, b));
  const ES = Sp.map((p) => expectPoly(p, E));
  const H = carry ? Sp.map((p) => derivTerms(ctx, p, 2)) : [];
  const out = new Float64Array(m ** 4);
  for (let i = 0; i < ps.length; i++) {
    for (let j = i; j < ps.length; j++) {
      let v = cw * cw * (expectPoly(mul(Sp[i]!, Sp[j]!), E) - ES[i]! * ES[j]!);
      if (carry) v += ((cw * cw) / 4) * r * contract22(V, m, H[i]!, H[j]!);
      setV4Sym(out, m, ps[i]![0]!, ps[i]![1]!, ps[j]![0]!, ps[j]![1]!, v);
    }
  }
  return out;
};

export const K1: LayerEvaluator = (ctx) => {
  const { m, cw, r } = ctx;
  const E = ctx.expect;
  const V = need(ctx, 'V4');
  const K1p = need(ctx, 'K1');
  if (r === 0) return new Float64Array(m * m);
  const k1Zero = isZero(K1p);
  const vZero = isZero(V);
  return symmetricMatrix(m, (a, b) => {
    const s = S(a, b);
    let t = 0;
    if (!k1Zero) t += 0.5 * contract2(K1p, m, derivTerms(ctx, s, 2));
    if (!vZero) t += 0.125 * contract4(V, m, derivTerms(ctx, s, 4));
    return cw * r * t;
  });
};

export const D: LayerEvaluator = (ctx) => {
  const { m, cw, r } = ctx;
  const E = ctx.expect;
  const V = need(ctx, 'V4');
  const Dp = need(ctx, 'D');
  const ps = pairs(m);
  const Sp = ps.map(([a, b]) => S(a, b));
  const Op = ps.map(([a, b]) => Omega(ctx, a, b));
  const ES = Sp.map((p) => expectPoly(p, E));
  const EO = Op.map((p) => expectPoly(p, E));
  const EP = ps.map(([a, b]) => expectPoly(P(a, b), E));
  const HS = r !== 0 ? Sp.map((p) => derivTerms(ctx, p, 2)) : [];
  const HO = r !== 0 && !isZero(V) ? Op.map((p) => derivTerms(ctx, p, 2)) : [];
  const dZero = isZero(Dp);
  const out = new Float64Array(m ** 4);
  for (let i = 0; i < ps.length; i++) {
    const [a, b] = ps[i]!;
    for (let j = 0; j < ps.length; j++) {
      let v = cw * (expectPoly(mul(Op[i]!, Sp[j]!), E) - EO[i]! * ES[j]!);
      if (HO.length) v += (cw / 4) * r * contract22(V, m, HO[i]!, HS[j]!);
      if (r !== 0 && !dZero) v += ((cw * cw) / 2) * r * EP[i]! * contractD(Dp, m, a, b, HS[j]!);
      setPairSym(out, m, a, b, ps[j]![0]!, ps[j]![1]!, v);
    }
  }
  return out;
};

export const F: LayerEvaluator = (ctx) => {
  const { m, cw, r } = ctx;
  const E = ctx.expect;
  const th = need(ctx, 'Theta');
  const Fp = need(ctx, 'F');
  const carry = r !== 0 && !isZero(Fp);
  // G[a][b] = [(δ, ⟨∂δ(σ'_a σ_b)⟩)] for δ ∈ support(σ'_a σ_b)
  const G: { d: number; v: number }[][] = [];
  if (carry) {
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) {
        const p = mul(sig(a, 1), sig(b));
        G[a * m + b] = support(p).map((d) => ({ d, v: dExpect(ctx, p, new Map([[d, 1]])) }));
      }
    }
  }
  const out = new Float64Array(m ** 4);
  const done = new Uint8Array(m ** 4);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      for (let c = 0; c < m; c++) {
        for (let d = 0; d < m; d++) {
          const idx = i4(m, a, b, c, d);
          if (done[idx]) continue;
          let v = cw * cw * E([{ input: a, order: 1 }, { input: b, order: 0 }, { input: c, order: 1 }, { input: d, order: 0 }]) * th[i2(m, a, c)]!;
          if (carry) {
            let s = 0;
            for (const x of G[a * m + b]!) for (const y of G[c * m + d]!) s += x.v * y.v * Fp[i4(m, a, x.d, c, y.d)]!;
            v += cw * cw * r * s;
          }
          out[idx] = v;
          out[i4(m, c, d, a, b)] = v;
          done[idx] = 1;
          done[i4(m, c, d, a, b)] = 1;
        }
      }
    }
  }
  return out;
};

export const A: LayerEvaluator = (ctx) => {
  const { m, cw, r } = ctx;
  const E = ctx.expect;
  const V = need(ctx, 'V4');
  const Dp = need(ctx, 'D');
  const Ap = need(ctx, 'A');
  const ps = pairs(m);
  const Op = ps.map(([a, b]) => Omega(ctx, a, b));
  const EO = Op.map((p) => expectPoly(p, E));
  const EP = ps.map(([a, b]) => expectPoly(P(a, b), E));
  const HO = r !== 0 ? Op.map((p) => derivTerms(ctx, p, 2)) : [];
  const vZero = isZero(V);
  const dZero = isZero(Dp);
  const out = new Float64Array(m ** 4);
  for (let i = 0; i < ps.length; i++) {
    const [a, b] = ps[i]!;
    for (let j = i; j < ps.length; j++) {
      const [c, d] = ps[j]!;
      let v = expectPoly(mul(Op[i]!, Op[j]!), E) - EO[i]! * EO[j]!;
      if (r !== 0) {
        if (!vZero) v += 0.25 * r * contract22(V, m, HO[i]!, HO[j]!);
        if (!dZero) v += (cw / 2) * r * (contractD(Dp, m, c, d, HO[i]!) * EP[j]! + contractD(Dp, m, a, b, HO[j]!) * EP[i]!);
        v += cw * cw * r * EP[i]! * EP[j]! * Ap[i4(m, a, b, c, d)]!;
      }
      setV4Sym(out, m, a, b, c, d, v);
    }
  }
  return out;
};

export const B: LayerEvaluator = (ctx) => {
  const { m, cw, r } = ctx;
  const E = ctx.expect;
  const th = need(ctx, 'Theta');
  const Bp = need(ctx, 'B');
  const EP = new Float64Array(m * m);
  for (const [a, b] of pairs(m)) EP[i2(m, a, b)] = EP[i2(m, b, a)] = expectPoly(P(a, b), E);
  const out = new Float64Array(m ** 4);
  const done = new Uint8Array(m ** 4);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      for (let c = 0; c < m; c++) {
        for (let d = 0; d < m; d++) {
          const idx = i4(m, a, b, c, d);
          if (done[idx]) continue;
          const f: DerivFactor[] = [a, b, c, d].map((input) => ({ input, order: 1 }));
          let v = cw * cw * E(f) * th[i2(m, a, c)]! * th[i2(m, b, d)]!;
          if (r !== 0) v += cw * cw * r * EP[i2(m, a, b)]! * EP[i2(m, c, d)]! * Bp[idx]!;
          for (const k of [idx, i4(m, c, d, a, b), i4(m, b, a, d, c), i4(m, d, c, b, a)]) {
            out[k] = v;
            done[k] = 1;
          }
        }
      }
    }
  }
  return out;
};

export const Theta1: LayerEvaluator = (ctx) => {
  const { m, cw, r } = ctx;
  const E = ctx.expect;
  const V = need(ctx, 'V4');
  const K1p = need(ctx, 'K1');
  const Dp = need(ctx, 'D');
  const Fp = need(ctx, 'F');
  const T1 = need(ctx, 'Theta1');
  if (r === 0) return new Float64Array(m * m);
  return symmetricMatrix(m, (a, b) => {
    const om = Omega(ctx, a, b);
    const pp = P(a, b);
    let t = cw * expectPoly(pp, E) * T1[i2(m, a, b)]!;
    if (!isZero(K1p)) t += 0.5 * contract2(K1p, m, derivTerms(ctx, om, 2));
    if (!isZero(V)) t += 0.125 * contract4(V, m, derivTerms(ctx, om, 4));
    const hp = derivTerms(ctx, pp, 2);
    t += (cw / 2) * contractD(Dp, m, a, b, hp);
    let sf = 0;
    for (const x of hp) sf += Fp[i4(m, a, x.idx[0]!, b, x.idx[1]!)]! * x.v;
    t += cw * sf;
    return r * t;
  });
};

/** The hand-typed forms by quantity name. */
export const referenceEvaluators: Partial<Record<QuantityName, LayerEvaluator>> = { K, Theta, V4, K1, Theta1, A, B, D, F };
