/**
 * Independent reference for the zero-dimensional theory (test helper, no diagram code used):
 *   ⟨x^p⟩ = ∫x^p e^{−x²/2−Σ g_k x^k} / ∫e^{−x²/2−Σ g_k x^k}
 * as a power series in the couplings, from Gaussian moments ⟨x^{2m}⟩_0 = (2m−1)!! and exact rationals.
 * Keys are monomials written like the diagram module writes them ("1", "g4", "g4^2*g6").
 */
import { Rational } from '../../src/rational.ts';

function gaussMoment(n: number): bigint {
  if (n % 2 === 1) return 0n;
  let r = 1n;
  for (let k = n - 1; k > 1; k -= 2) r *= BigInt(k);
  return r;
}

function fact(n: number): bigint {
  let r = 1n;
  for (let i = 2; i <= n; i++) r *= BigInt(i);
  return r;
}

/** exponent vectors e (one entry per coupling) with |e| ≤ order, graded by |e| */
function exponentVectors(nc: number, order: number): number[][] {
  const out: number[][] = [];
  const cur = new Array(nc).fill(0);
  const rec = (i: number, left: number) => {
    if (i === nc) {
      out.push(cur.slice());
      return;
    }
    for (let e = 0; e <= left; e++) {
      cur[i] = e;
      rec(i + 1, left - e);
    }
    cur[i] = 0;
  };
  rec(0, order);
  return out.sort((a, b) => a.reduce((s, x) => s + x, 0) - b.reduce((s, x) => s + x, 0));
}

function name(couplings: number[], e: number[]): string {
  const parts: string[] = [];
  couplings.forEach((k, i) => {
    if (e[i] === 1) parts.push(`g${k}`);
    else if (e[i]! > 1) parts.push(`g${k}^${e[i]}`);
  });
  return parts.length ? parts.join('*') : '1';
}

/** Exact series of ⟨x^p⟩ to total order `order` in the couplings (degrees `couplings`, sorted). */
export function zeroDimMomentSeries(p: number, couplings: number[], order: number): Map<string, Rational> {
  const cs = [...couplings].sort((a, b) => a - b);
  const vecs = exponentVectors(cs.length, order);
  const key = (e: number[]) => e.join(',');
  const coef = (q: number, e: number[]): Rational => {
    // (−1)^{|e|} / Π e_k! · ⟨x^{q + Σ e_k k}⟩_0
    let n = 0;
    let d = 1n;
    let deg = q;
    e.forEach((x, i) => {
      n += x;
      d *= fact(x);
      deg += x * cs[i]!;
    });
    return Rational.of((n % 2 === 0 ? 1n : -1n) * gaussMoment(deg), d);
  };
  const num = new Map(vecs.map((e) => [key(e), coef(p, e)]));
  const den = new Map(vecs.map((e) => [key(e), coef(0, e)]));
  // r · den = num  ⇒  r[e] = num[e] − Σ_{0 ≠ f ≤ e} den[f] r[e − f]   (den[0] = 1)
  const r = new Map<string, Rational>();
  for (const e of vecs) {
    let v = num.get(key(e))!;
    for (const f of vecs) {
      if (f.every((x) => x === 0)) continue;
      if (!f.every((x, i) => x <= e[i]!)) continue;
      const g = e.map((x, i) => x - f[i]!);
      v = v.sub(den.get(key(f))!.mul(r.get(key(g))!));
    }
    r.set(key(e), v);
  }
  const out = new Map<string, Rational>();
  for (const e of vecs) {
    const v = r.get(key(e))!;
    if (!v.isZero()) out.set(name(cs, e), v);
  }
  return out;
}

/** Exact series of the cumulant of order p (p ≤ 6, even moments only, for even couplings). */
export function zeroDimCumulantSeries(p: 4 | 6, couplings: number[], order: number): Map<string, Rational> {
  const m = (q: number) => zeroDimMomentSeries(q, couplings, order);
  const mul = (a: Map<string, Rational>, b: Map<string, Rational>) => seriesMul(a, b, couplings, order);
  const add = (a: Map<string, Rational>, b: Map<string, Rational>, s: Rational) => {
    const o = new Map(a);
    for (const [k, v] of b) o.set(k, (o.get(k) ?? Rational.ZERO).add(v.mul(s)));
    for (const [k, v] of o) if (v.isZero()) o.delete(k);
    return o;
  };
  const m2 = m(2);
  const m4 = m(4);
  if (p === 4) return add(m4, mul(m2, m2), Rational.of(-3));
  // κ6 = m6 − 15 m4 m2 + 30 m2³  (zero odd moments)
  const m6 = m(6);
  return add(add(m6, mul(m4, m2), Rational.of(-15)), mul(mul(m2, m2), m2), Rational.of(30));
}

function parseMono(s: string, cs: number[]): number[] {
  const e = cs.map(() => 0);
  if (s === '1') return e;
  for (const part of s.split('*')) {
    const [g, x] = part.split('^') as [string, ...string[]]; // split returns at least one piece
    e[cs.indexOf(Number(g.slice(1)))]! += x === undefined ? 1 : Number(x);
  }
  return e;
}

export function seriesMul(a: Map<string, Rational>, b: Map<string, Rational>, couplings: number[], order: number): Map<string, Rational> {
  const cs = [...couplings].sort((x, y) => x - y);
  const o = new Map<string, Rational>();
  for (const [ka, va] of a) {
    for (const [kb, vb] of b) {
      const e = parseMono(ka, cs).map((x, i) => x + parseMono(kb, cs)[i]!);
      if (e.reduce((s, x) => s + x, 0) > order) continue;
      const k = name(cs, e);
      o.set(k, (o.get(k) ?? Rational.ZERO).add(va.mul(vb)));
    }
  }
  for (const [k, v] of o) if (v.isZero()) o.delete(k);
  return o;
}
