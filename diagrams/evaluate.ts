/**
 * Values of diagrams on a "space" (the domain of the vertex integrals ∫dᵈy):
 * - `{ kind: 'zero' }` — the zero-dimensional theory: K ≡ 1, ∫ ≡ 1; a diagram's value is its coefficient,
 *   and the sum of all diagrams is the exact series of ⟨x^p⟩ (docs/equations.md). `zeroDimensionalSeries` gives it
 *   with exact rationals.
 * - `{ kind: 'points', points, weights }` — a weighted finite set (a lattice, a dataset): ∫dy → Σ_s w_s.
 * - `{ kind: 'interval', a, b, nodes }` — a 1-D interval with Gauss–Legendre quadrature (nodes points).
 * The kernel is a function K(u, v) of two points (numbers or vectors), external points are given as the
 * same kind of point.
 */
import { NnftInputError } from '../src/errors.ts';
import { Rational } from '../src/rational.ts';
import { propagators, type Diagram, type FeynmanResult } from './diagram.ts';

export type Point = number | number[];
export type Kernel<P extends Point = Point> = (u: P, v: P) => number;

export type Space<P extends Point = Point> =
  | { kind: 'zero' }
  | { kind: 'points'; points: P[]; weights?: number[] }
  | { kind: 'interval'; a: number; b: number; nodes?: number };

export interface EvalContext<P extends Point = Point> {
  space: Space<P>;
  /** kernel K(u, v); ignored on the zero-dimensional space */
  kernel?: Kernel<P>;
  /** the external points x1..xp; ignored on the zero-dimensional space */
  externals?: P[];
}

/** Gauss–Legendre nodes and weights on [a, b] (Newton iteration on P_n, as in Numerical Recipes). */
export function gaussLegendre(n: number, a = -1, b = 1): { x: number[]; w: number[] } {
  if (!Number.isInteger(n) || n < 1 || n > 2000) throw new NnftInputError('nodes', `expected an integer in 1..2000, got ${n}`);
  const x: number[] = new Array(n);
  const w: number[] = new Array(n);
  const half = Math.floor((n + 1) / 2);
  const c = (a + b) / 2;
  const h = (b - a) / 2;
  for (let i = 0; i < half; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let pp = 1;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      pp = (n * (z * p1 - p2)) / (z * z - 1);
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) < 1e-15) break;
    }
    x[i] = c - h * z;
    x[n - 1 - i] = c + h * z;
    w[i] = w[n - 1 - i] = (2 * h) / ((1 - z * z) * pp * pp);
  }
  return { x, w };
}

/** The quadrature points and weights of a non-zero space. */
export function spaceNodes<P extends Point>(space: Space<P>): { points: P[]; weights: number[] } {
  if (space.kind === 'points') {
    const pts = space.points;
    if (!Array.isArray(pts) || pts.length === 0) throw new NnftInputError('space.points', 'expected a non-empty array of points');
    const w = space.weights ?? pts.map(() => 1);
    if (w.length !== pts.length) throw new NnftInputError('space.weights', `${w.length} weights for ${pts.length} points`, 'one weight per point');
    for (const x of w) if (!Number.isFinite(x)) throw new NnftInputError('space.weights', `weight ${x} is not finite`);
    return { points: pts, weights: w };
  }
  if (space.kind === 'interval') {
    if (!Number.isFinite(space.a) || !Number.isFinite(space.b) || !(space.b > space.a)) {
      throw new NnftInputError('space', `interval [${space.a}, ${space.b}] must have finite a < b`);
    }
    const { x, w } = gaussLegendre(space.nodes ?? 64, space.a, space.b);
    return { points: x as P[], weights: w };
  }
  throw new NnftInputError('space', `the zero-dimensional space has no nodes`);
}

/**
 * The integral of one diagram's propagator product over its vertices, WITHOUT coefficient and couplings:
 * ∫Π dy_v Π K(·,·). On the zero space this is 1.
 */
export function diagramIntegral<P extends Point>(d: Diagram, ctx: EvalContext<P>): number {
  if (ctx.space.kind === 'zero') return 1;
  const K = ctx.kernel;
  if (typeof K !== 'function') throw new NnftInputError('kernel', 'a kernel function K(u, v) is needed off the zero-dimensional space');
  const X = ctx.externals;
  if (!Array.isArray(X) || X.length !== d.points) throw new NnftInputError('externals', `expected ${d.points} external points, got ${Array.isArray(X) ? X.length : String(X)}`);
  const { points: Y, weights: W } = spaceNodes(ctx.space);
  const M = Y.length;
  const p = d.points;
  const N = d.order;
  const props = propagators(d);
  // constant factor: external–external propagators
  let c = 1;
  for (const [a, b, x] of props) if (b < p) c *= K(X[a]!, X[b]!) ** x;
  if (N === 0) return c;
  // per vertex v: factor over its externals and loops, f_v[s]; per vertex pair: Kyy
  const fv: Float64Array[] = [];
  for (let v = 0; v < N; v++) {
    const f = new Float64Array(M);
    for (let s = 0; s < M; s++) f[s] = W[s]!;
    fv.push(f);
  }
  for (const [a, b, x] of props) {
    if (b < p) continue;
    const v = b - p;
    if (a < p) {
      const f = fv[v]!;
      for (let s = 0; s < M; s++) f[s]! *= K(X[a]!, Y[s]!) ** x;
    } else if (a === b) {
      const f = fv[v]!;
      for (let s = 0; s < M; s++) f[s]! *= K(Y[s]!, Y[s]!) ** x;
    }
  }
  const inner: Array<[number, number, number]> = props.filter(([a, b]) => a >= p && b >= p && a !== b).map(([a, b, x]) => [a - p, b - p, x]);
  if (N === 1) {
    let s = 0;
    for (let t = 0; t < M; t++) s += fv[0]![t]!;
    return c * s;
  }
  // kernel matrix on the nodes (only if vertices are linked)
  let Kyy: Float64Array | null = null;
  if (inner.length > 0) {
    Kyy = new Float64Array(M * M);
    for (let s = 0; s < M; s++) for (let t = s; t < M; t++) Kyy[s * M + t] = Kyy[t * M + s] = K(Y[s]!, Y[t]!);
  }
  // nested sum over vertex positions; edges attached at the later vertex
  const byLater: Array<Array<[number, number]>> = Array.from({ length: N }, () => []);
  for (const [v, w, x] of inner) byLater[Math.max(v, w)]!.push([Math.min(v, w), x]);
  const pos = new Int32Array(N);
  const rec = (v: number): number => {
    let s = 0;
    const f = fv[v]!;
    const es = byLater[v]!;
    for (let t = 0; t < M; t++) {
      let val = f[t]!;
      if (val === 0) continue;
      for (const [u, x] of es) val *= Kyy![pos[u]! * M + t]! ** x;
      if (v === N - 1) s += val;
      else {
        pos[v] = t;
        s += val * rec(v + 1);
      }
    }
    return s;
  };
  return c * rec(0);
}

/** A diagram's value: coefficient × integral (the coupling monomial NOT included). */
export function evaluateDiagram<P extends Point>(d: Diagram, ctx: EvalContext<P>): number {
  return d.coefficient.toNumber() * diagramIntegral(d, ctx);
}

/** Σ over diagrams of coefficient × integral, per monomial: the correlator's series on the space. */
export function seriesOnSpace<P extends Point>(diagrams: readonly Diagram[], ctx: EvalContext<P>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of diagrams) out[d.monomial] = (out[d.monomial] ?? 0) + evaluateDiagram(d, ctx);
  return out;
}

/** Numeric value of a monomial Π g_k^{n_k} for given coupling values (by name g{k}, or by degree). */
export function monomialValue(powers: Record<string, number>, couplings: Record<string, number>): number {
  let v = 1;
  for (const [g, e] of Object.entries(powers)) {
    const x = couplings[g] ?? couplings[g.slice(1)];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new NnftInputError('couplings', `no finite value for ${g}`, `pass e.g. { ${g}: 0.01 }`);
    v *= x ** e;
  }
  return v;
}

/** The correlator to the computed order for given coupling values: Σ_d coefficient × integral × monomial. */
export function evaluateCorrelator<P extends Point>(diagrams: readonly Diagram[], ctx: EvalContext<P>, couplings: Record<string, number>): number {
  let s = 0;
  for (const d of diagrams) s += evaluateDiagram(d, ctx) * monomialValue(d.powers, couplings);
  return s;
}

/**
 * The exact zero-dimensional series: Σ of the coefficients per monomial (K ≡ 1, ∫ ≡ 1). Keys are the
 * monomials ("1", "g4", "g4^2*g6", …) in diagram order; values exact rationals.
 */
export function zeroDimensionalSeries(result: FeynmanResult | readonly Diagram[], filter?: (d: Diagram) => boolean): Map<string, Rational> {
  const ds = Array.isArray(result) ? (result as Diagram[]) : (result as FeynmanResult).diagrams;
  const out = new Map<string, Rational>();
  for (const d of ds) {
    if (filter && !filter(d)) continue;
    out.set(d.monomial, (out.get(d.monomial) ?? Rational.ZERO).add(d.coefficient));
  }
  return out;
}

/** The series as a plain object of strings, for JSON. */
export function seriesToJSON(series: Map<string, Rational>): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of series) o[k] = v.toString();
  return o;
}
