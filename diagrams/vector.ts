/**
 * O(D) vector outputs in the EFT diagrams (docs/field-theory.md): a network with D outputs f_i, whose Gaussian part has
 * G⁽²⁾_ij = δ_ij K, and the O(D)-invariant interactions S_int = ∫dy Σ_k g_k (f·f)^{k/2} (even k; g4 = λ: λ(f·f)²). Each
 * propagator carries δ_ij, and each vertex is the fully symmetric invariant tensor
 *
 *   (f·f)^{k/2} = Σ_{i1..ik} T⁽ᵏ⁾_{i1..ik} f_{i1}⋯f_{ik},   T⁽ᵏ⁾ = (1/(k − 1)!!) Σ_{pairings P of the k legs} Π_{(a,b)∈P} δ_{i_a i_b},
 *
 * (for k = 4: (δ_abδ_cd + δ_acδ_bd + δ_adδ_bc)/3). Because T⁽ᵏ⁾ is symmetric, every Wick contraction realising a
 * labelled class (diagrams/feynman.ts) gives the same index contraction, so a class's value is its D = 1 coefficient
 * times an index factor: Σ over the pairings chosen at every vertex (weight Π 1/(k_v − 1)!!) of D^{#closed index loops}
 * times the Kronecker δ's that join the external points in pairs along the open index lines. At D = 1 every factor is
 * 1, recovering the scalar theory. Example: the tadpole of G⁽²⁾ at order λ has factor δ_{i1i2}(D + 2)/3, so
 * ⟨f·f⟩ = D − 12λ·D(D + 2)/3 + … = D − 4D(D + 2)λ + O(λ²) in zero dimensions.
 */
import { NnftInputError, NnftResourceError } from '../src/errors.ts';
import { Rational } from '../src/rational.ts';
import type { Diagram, FeynmanResult } from './diagram.ts';

/** A polynomial in D with exact rational coefficients: p[k] multiplies D^k. */
export type DPolynomial = Rational[];

/** One index structure of a class: the external points joined in pairs, with its polynomial in D. */
export interface IndexTerm {
  /** pairs [a, b] (a < b, 0-based external points), sorted */
  pairing: [number, number][];
  coefficient: DPolynomial;
}

/** Largest Π_v (k_v − 1)!! enumerated for one class. */
export const MAX_VERTEX_PAIRINGS = 2_000_000;

function addPoly(p: DPolynomial, power: number, c: Rational): void {
  while (p.length <= power) p.push(Rational.ZERO);
  p[power] = p[power]!.add(c);
}

export function polyTimes(p: DPolynomial, c: Rational): DPolynomial {
  return p.map((x) => x.mul(c));
}

export function polyAdd(p: DPolynomial, q: DPolynomial): DPolynomial {
  const out: DPolynomial = [];
  for (let k = 0; k < Math.max(p.length, q.length); k++) out.push((p[k] ?? Rational.ZERO).add(q[k] ?? Rational.ZERO));
  return trim(out);
}

function trim(p: DPolynomial): DPolynomial {
  const out = p.slice();
  while (out.length > 0 && out[out.length - 1]!.isZero()) out.pop();
  return out;
}

/** p(D) as a number. */
export function polyValue(p: DPolynomial, D: number): number {
  let s = 0;
  for (let k = p.length - 1; k >= 0; k--) s = s * D + p[k]!.toNumber();
  return s;
}

/** "D^2 + 2D", "-4/3D - 8/3", "0". */
export function polyToString(p: DPolynomial): string {
  const parts: string[] = [];
  for (let k = p.length - 1; k >= 0; k--) {
    const c = p[k]!;
    if (c.isZero()) continue;
    const mono = k === 0 ? '' : k === 1 ? 'D' : `D^${k}`;
    const cs = c.toString();
    const t = mono === '' ? cs : cs === '1' ? mono : cs === '-1' ? `-${mono}` : `${cs}${c.isInteger() ? '' : '·'}${mono}`;
    parts.push(parts.length === 0 ? t : t.startsWith('-') ? `- ${t.slice(1)}` : `+ ${t}`);
  }
  return parts.length ? parts.join(' ') : '0';
}

/** Perfect matchings of {0..k−1} as lists of pairs (memoised; k ≤ 8). */
const matchMemo = new Map<number, [number, number][][]>();
function matchings(k: number): [number, number][][] {
  const hit = matchMemo.get(k);
  if (hit) return hit;
  const out: [number, number][][] = [];
  const used = new Array<boolean>(k).fill(false);
  const cur: [number, number][] = [];
  const rec = (): void => {
    const i = used.indexOf(false);
    if (i < 0) {
      out.push(cur.map((p) => [p[0], p[1]] as [number, number]));
      return;
    }
    used[i] = true;
    for (let j = i + 1; j < k; j++) {
      if (used[j]) continue;
      used[j] = true;
      cur.push([i, j]);
      rec();
      cur.pop();
      used[j] = false;
    }
    used[i] = false;
  };
  rec();
  matchMemo.set(k, out);
  return out;
}

const doubleFactorial = (k: number): number => (k <= 1 ? 1 : k * doubleFactorial(k - 2));

/** The index structures of one labelled class (module comment). */
export function indexStructure(d: Diagram): IndexTerm[] {
  const p = d.points;
  const N = d.order;
  const T = p + N;
  const degrees = d.vertexDegrees;
  for (const k of degrees) {
    if (k % 2 === 1) throw new NnftInputError('couplings', `a vertex of odd degree ${k} has no O(D)-invariant form (f·f)^{k/2}`, 'use even degrees (4, 6, 8) for vector outputs');
  }
  let combos = 1;
  for (const k of degrees) combos *= doubleFactorial(k - 1);
  if (combos > MAX_VERTEX_PAIRINGS) {
    throw new NnftResourceError(`the O(D) index sum of a diagram with vertex degrees ${degrees.join(',')}`, `${combos} vertex pairings`, `${MAX_VERTEX_PAIRINGS}`, 'use a lower order or smaller vertex degrees');
  }
  // half-edges: externals 0..p−1 own half-edge a; vertex v owns a block of k_v half-edges
  const start: number[] = [];
  let h = p;
  for (let v = 0; v < N; v++) {
    start.push(h);
    h += degrees[v]!;
  }
  const H = h;
  const next = start.slice();
  const prop = new Int32Array(H).fill(-1); // the propagator partner of each half-edge
  const take = (node: number): number => (node < p ? node : next[node - p]!++);
  for (let a = 0; a < T; a++) {
    for (let b = a; b < T; b++) {
      const x = d.adjacency[a * T + b]!;
      for (let c = 0; c < x; c++) {
        const u = take(a);
        const w = take(b);
        prop[u] = w;
        prop[w] = u;
      }
    }
  }
  for (let i = 0; i < H; i++) if (prop[i]! < 0) throw new Error('indexStructure: a half-edge without a propagator');
  const vert = new Int32Array(H).fill(-1); // the vertex-pairing partner (externals: none)
  const weight = Rational.of(1n, BigInt(combos));
  const terms = new Map<string, { pairing: [number, number][]; coefficient: DPolynomial }>();
  const seen = new Uint8Array(H);
  const choice = new Array<number>(N).fill(0);
  const lists = degrees.map((k) => matchings(k));
  const evaluate = (): void => {
    for (let v = 0; v < N; v++) {
      const m = lists[v]![choice[v]!]!;
      for (const [a, b] of m) {
        vert[start[v]! + a] = start[v]! + b;
        vert[start[v]! + b] = start[v]! + a;
      }
    }
    seen.fill(0);
    const pairs: [number, number][] = [];
    // open lines: from each external, alternate propagator and vertex links until an external is reached
    for (let a = 0; a < p; a++) {
      if (seen[a]) continue;
      seen[a] = 1;
      let cur = prop[a]!;
      for (;;) {
        seen[cur] = 1;
        if (cur < p) break;
        const across = vert[cur]!;
        seen[across] = 1;
        cur = prop[across]!;
      }
      pairs.push([Math.min(a, cur), Math.max(a, cur)]);
    }
    // closed loops among the remaining half-edges
    let loops = 0;
    for (let i = p; i < H; i++) {
      if (seen[i]) continue;
      loops++;
      let cur = i;
      do {
        seen[cur] = 1;
        const across = vert[cur]!;
        seen[across] = 1;
        cur = prop[across]!;
      } while (cur !== i);
    }
    pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const key = pairs.map((q) => q.join('-')).join(',');
    let t = terms.get(key);
    if (!t) {
      t = { pairing: pairs, coefficient: [] };
      terms.set(key, t);
    }
    addPoly(t.coefficient, loops, weight);
  };
  const rec = (v: number): void => {
    if (v === N) {
      evaluate();
      return;
    }
    for (let c = 0; c < lists[v]!.length; c++) {
      choice[v] = c;
      rec(v + 1);
    }
  };
  rec(0);
  return [...terms.values()].map((t) => ({ pairing: t.pairing, coefficient: trim(t.coefficient) })).sort((x, y) => (JSON.stringify(x.pairing) < JSON.stringify(y.pairing) ? -1 : 1));
}

/** Number of closed loops when two pairings of the same points are overlaid (δ-chains closing on themselves). */
export function overlayLoops(p: number, a: readonly (readonly [number, number])[], b: readonly (readonly [number, number])[]): number {
  const pa = new Int32Array(p).fill(-1), pb = new Int32Array(p).fill(-1);
  for (const [x, y] of a) {
    pa[x] = y;
    pa[y] = x;
  }
  for (const [x, y] of b) {
    pb[x] = y;
    pb[y] = x;
  }
  for (let i = 0; i < p; i++) if (pa[i]! < 0 || pb[i]! < 0) throw new NnftInputError('contraction', `point ${i + 1} is not paired`, 'pair every external point, e.g. [[0,1],[2,3]]');
  const seen = new Uint8Array(p);
  let loops = 0;
  for (let i = 0; i < p; i++) {
    if (seen[i]) continue;
    loops++;
    let cur = i;
    do {
      seen[cur] = 1;
      const x = pa[cur]!;
      seen[x] = 1;
      cur = pb[x]!;
    } while (cur !== i);
  }
  return loops;
}

/**
 * A class's coefficient in the correlator with its external indices contracted in pairs (e.g. [[0,1]] for
 * ⟨f·f⟩ = Σ_i ⟨f_i f_i⟩): the D = 1 coefficient times Σ_terms coefficient(D)·D^{loops(term pairing ∪ contraction)}.
 */
export function contractedCoefficient(d: Diagram, contraction: readonly (readonly [number, number])[]): DPolynomial {
  let out: DPolynomial = [];
  for (const t of indexStructure(d)) {
    const L = overlayLoops(d.points, t.pairing, contraction);
    out = polyAdd(out, [...new Array<Rational>(L).fill(Rational.ZERO), ...t.coefficient]);
  }
  return polyTimes(out, d.coefficient);
}

/** The default contraction (x1x2)(x3x4)…: the correlator ⟨(f·f)^{p/2}⟩ at coinciding points. */
export function adjacentPairs(p: number): [number, number][] {
  if (p % 2 === 1) throw new NnftInputError('points', `an odd number of points (${p}) cannot be contracted in pairs`);
  return Array.from({ length: p / 2 }, (_, i) => [2 * i, 2 * i + 1] as [number, number]);
}

/**
 * The zero-dimensional series of a contracted vector correlator: per coupling monomial, the sum over classes of
 * contractedCoefficient, as a polynomial in D. With K ≡ 1 and ∫ ≡ 1 it is the exact series of
 * ⟨Π_{pairs} f·f⟩ under e^{−f·f/2 − Σ g_k (f·f)^{k/2}} on R^D.
 */
export function vectorZeroDimensionalSeries(result: FeynmanResult | readonly Diagram[], contraction?: readonly (readonly [number, number])[]): Map<string, DPolynomial> {
  const ds = Array.isArray(result) ? (result as Diagram[]) : (result as FeynmanResult).diagrams;
  const out = new Map<string, DPolynomial>();
  if (ds.length === 0) return out;
  const c = contraction ?? adjacentPairs(ds[0]!.points);
  for (const d of ds) out.set(d.monomial, polyAdd(out.get(d.monomial) ?? [], contractedCoefficient(d, c)));
  return out;
}
