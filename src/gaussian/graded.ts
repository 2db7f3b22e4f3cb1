/**
 * Graded Gauss–Kronrod quadrature of Gaussian expectations E[Π_i g_i(z_i)], z = L u, u ~ N(0, I_r), for smooth σ
 * whose features are much narrower than the Gaussian (large kernel values: a sech² of width ~1 in z under a
 * Gaussian of width √K ≫ 1, where a uniform trapezoid rule in u would need ~√K nodes).
 *
 * Each direction u_d is cut into panels by marching from −R to R: a panel is at most 2 wide in u (the Gaussian's
 * scale), and for every coordinate z_i = p_i + L_id u_d that depends on u_d its z-width is at most the width of
 * σ's resolution map there (src/gaussian/features.ts: unit panels where σ varies, none where it has saturated).
 * A coordinate that is integrated further at deeper levels (conditional spread r_i) is seen through a Gaussian of
 * width r_i: its map widths are floored at 2r_i and extend 8r_i beyond the non-saturated region. So the feature
 * at |z| ≲ a few units sits in panels of its own size at |u| ≲ 1/√K, wherever it lies, and the saturated tails
 * cost only the Gaussian partition — about 30 panels per direction for tanh at any K ≥ 10.
 *
 * Every panel uses the 15-point Kronrod rule with its embedded 7-point Gauss rule (src/gaussian/kronrod.ts), so
 * every expectation comes with an error estimate: per panel QUADPACK's estimate from |K15 − G7|, nested levels
 * adding the inner errors weighted by the outer |weights·integrand|, plus the truncation |u| ≤ R estimated from
 * the integrand's density at the outermost nodes. Callers refine (narrower panels, larger R) or refuse when the
 * estimate exceeds the tolerance.
 */
import { NnftNumericalError } from '../errors.ts';
import type { ResolutionMap } from './features.ts';
import { GK15_T, GK15_WG, GK15_WK, GK_N, panelError } from './kronrod.ts';

const INV_SQRT_2PI = 0.3989422804014327;

/** One coordinate's dependence on the current direction: z = p + l·u, seen through a Gaussian of width r. */
export interface LevelCoord {
  p: number;
  l: number;
  r: number;
}

/** Nodes of one direction: u, Kronrod weights (φ(u) included) and the embedded Gauss weights; panels of GK_N nodes. */
export interface LevelRule {
  u: Float64Array;
  wK: Float64Array;
  wG: Float64Array;
}

export interface GradedSettings {
  /** truncation |u| ≤ R */
  R: number;
  /** all panel widths are divided by 2^refine */
  refine: number;
}

/** Panel breakpoints of one direction (see the module comment). */
export function levelBreakpoints(map: ResolutionMap, coords: readonly LevelCoord[], s: GradedSettings): number[] {
  const R = s.R;
  const pts: number[] = [];
  // the Gaussian's own partition: panels of width ≤ 2
  const nG = Math.ceil(R / 2);
  for (let j = -nG; j <= nG; j++) pts.push((j * R) / nG);
  // each coordinate's map, mapped into u
  for (const c of coords) {
    const l = c.l;
    if (!(Math.abs(l) > 0)) continue;
    const z1 = c.p - Math.abs(l) * R;
    const z2 = c.p + Math.abs(l) * R;
    const zs = map.breakpointsIn(z1, z2, c.r);
    if (!zs) throw mapFailure(map);
    for (const z of zs) pts.push((z - c.p) / l);
    if (pts.length > 4e5) throw mapFailure(map);
  }
  pts.sort((x, y) => x - y);
  // merge near-coincident points (sources that agree up to rounding), keep ±R exactly
  const out: number[] = [-R];
  for (const x of pts) {
    if (x <= -R || x >= R) continue;
    const last = out[out.length - 1]!;
    if (x - last > 1e-9 * Math.max(1e-300, Math.abs(x) + Math.abs(last)) && x - last > 0) out.push(x);
  }
  if (R - out[out.length - 1]! <= 1e-12 * R) out.pop();
  out.push(R);
  if (s.refine === 0) return out;
  const parts = 2 ** s.refine;
  const fine: number[] = [out[0]!];
  for (let i = 0; i + 1 < out.length; i++) {
    const a = out[i]!;
    const b = out[i + 1]!;
    for (let j = 1; j <= parts; j++) fine.push(j === parts ? b : a + ((b - a) * j) / parts);
  }
  return fine;
}

function mapFailure(map: ResolutionMap): NnftNumericalError {
  return new NnftNumericalError(
    'the Gaussian expectation',
    map.failure ?? 'the activation varies on too fine a scale to be resolved at this kernel scale',
    'use a smaller kernel scale (smaller --cw or inputs) or an activation without structure at large |z|',
  );
}

/** The Gauss–Kronrod nodes and weights (φ(u) included) on the given breakpoints. */
export function levelRule(bps: readonly number[]): LevelRule {
  const nP = bps.length - 1;
  const n = nP * GK_N;
  const u = new Float64Array(n);
  const wK = new Float64Array(n);
  const wG = new Float64Array(n);
  for (let q = 0; q < nP; q++) {
    const a = bps[q]!;
    const b = bps[q + 1]!;
    const c = 0.5 * (a + b);
    const hw = 0.5 * (b - a);
    for (let j = 0; j < GK_N; j++) {
      const x = c + hw * GK15_T[j]!;
      const phi = INV_SQRT_2PI * Math.exp(-0.5 * x * x);
      const o = q * GK_N + j;
      u[o] = x;
      wK[o] = hw * GK15_WK[j]! * phi;
      wG[o] = hw * GK15_WG[j]! * phi;
    }
  }
  return { u, wK, wG };
}

/** Value, error estimate, absolute mass ∫|f| and truncation estimate of one (nested) integral. */
export interface Estimate {
  value: number;
  error: number;
  mass: number;
  tail: number;
}

/**
 * Truncation estimate of a direction from the integrand's density φ(u)|F(u)| at its outermost nodes: for a
 * Gaussian-dominated tail the mass beyond R is ≈ density/R; ×10 for safety.
 */
export function tailEstimate(rule: LevelRule, Ffirst: number, Flast: number, R: number): number {
  const n = rule.u.length;
  const dens = (i: number, F: number): number => INV_SQRT_2PI * Math.exp(-0.5 * rule.u[i]! * rule.u[i]!) * Math.abs(F);
  return (10 * (dens(0, Ffirst) + dens(n - 1, Flast))) / Math.max(R, 1);
}

/**
 * Node layout of rank ≤ 2 (the same shape as the trapezoid layout of SmoothLayerContext, plus Gauss weights):
 * outer points a with weights w0K/w0G (panels of GK_N consecutive points); for each a, inner points
 * p ∈ [seg[a], seg[a+1]) (panels of GK_N consecutive points) with weights w1K/w1G. z[i]: coordinate i at the outer
 * points (inner[i] false) or at the inner points.
 */
export interface GradedNodes {
  w0K: Float64Array;
  w0G: Float64Array;
  u0: Float64Array;
  seg: Int32Array;
  w1K: Float64Array;
  w1G: Float64Array;
  u1: Float64Array;
  z: Float64Array[];
  inner: boolean[];
  rank: number;
  settings: GradedSettings;
}

/**
 * Build the graded layout for z = L u (pivot order, L k × rank, rank 1 or 2). Refuses (NnftNumericalError) when the
 * layout would exceed maxNodes inner points.
 */
export function buildGradedNodes(map: ResolutionMap, L: number[][], rank: number, s: GradedSettings, maxNodes: number): GradedNodes {
  const k = L.length;
  const inner: boolean[] = [];
  for (let i = 0; i < k; i++) inner.push(rank === 2 && L[i]![1]! !== 0);
  const outerCoords: LevelCoord[] = [];
  for (let i = 0; i < k; i++) outerCoords.push({ p: 0, l: L[i]![0]!, r: inner[i] ? Math.abs(L[i]![1]!) : 0 });
  const outer = levelRule(levelBreakpoints(map, outerCoords, s));
  const n0 = outer.u.length;
  const z: Float64Array[] = [];
  if (rank === 1) {
    const seg = new Int32Array(n0 + 1);
    for (let a = 0; a <= n0; a++) seg[a] = a;
    for (let i = 0; i < k; i++) {
      const t = new Float64Array(n0);
      const l0 = L[i]![0]!;
      for (let a = 0; a < n0; a++) t[a] = l0 * outer.u[a]!;
      z.push(t);
    }
    const ones = new Float64Array(n0).fill(1);
    return { w0K: outer.wK, w0G: outer.wG, u0: outer.u, seg, w1K: ones, w1G: ones, u1: new Float64Array(n0), z, inner, rank, settings: s };
  }
  const innerIdx = inner.map((v, i) => (v ? i : -1)).filter((i) => i >= 0);
  const tooMany = (n: number): NnftNumericalError =>
    new NnftNumericalError(
      'the Gaussian expectation',
      `resolving the activation's features at this kernel scale needs about ${n.toExponential(1)} quadrature nodes in two dimensions (more than ${maxNodes.toExponential(1)})`,
      'reduce the kernel scale (smaller --cw or rescaled --inputs)',
    );
  // estimate from the inner rule at the centre before building them all
  const central = levelBreakpoints(map, innerIdx.map((i) => ({ p: 0, l: L[i]![1]!, r: 0 })), s).length - 1;
  if (n0 * central * GK_N > 1.5 * maxNodes) throw tooMany(n0 * central * GK_N);
  const rules: LevelRule[] = [];
  const seg = new Int32Array(n0 + 1);
  let total = 0;
  for (let a = 0; a < n0; a++) {
    const u0 = outer.u[a]!;
    const coords = innerIdx.map((i) => ({ p: L[i]![0]! * u0, l: L[i]![1]!, r: 0 }));
    const rule = levelRule(levelBreakpoints(map, coords, s));
    rules.push(rule);
    seg[a] = total;
    total += rule.u.length;
    if (total > maxNodes) throw tooMany((total * n0) / (a + 1));
  }
  seg[n0] = total;
  const w1K = new Float64Array(total);
  const w1G = new Float64Array(total);
  const u1 = new Float64Array(total);
  for (let a = 0; a < n0; a++) {
    const r = rules[a]!;
    w1K.set(r.wK, seg[a]!);
    w1G.set(r.wG, seg[a]!);
    u1.set(r.u, seg[a]!);
  }
  for (let i = 0; i < k; i++) {
    const l0 = L[i]![0]!;
    if (!inner[i]) {
      const t = new Float64Array(n0);
      for (let a = 0; a < n0; a++) t[a] = l0 * outer.u[a]!;
      z.push(t);
      continue;
    }
    const l1 = L[i]![1]!;
    const t = new Float64Array(total);
    for (let a = 0; a < n0; a++) {
      const c = l0 * outer.u[a]!;
      for (let p = seg[a]!; p < seg[a + 1]!; p++) t[p] = c + l1 * u1[p]!;
    }
    z.push(t);
  }
  return { w0K: outer.wK, w0G: outer.wG, u0: outer.u, seg, w1K, w1G, u1, z, inner, rank, settings: s };
}

/**
 * Σ_a w0_a Π outer[·][a] Σ_{p ∈ seg a} w1_p Π inner[·][p] with Kronrod weights, and its error estimate: per outer
 * panel from the Gauss weights (inner sums held at their Kronrod values), plus Σ_a |w0_a F_a| · (inner panels'
 * errors), plus the truncation estimates of both directions.
 */
export function gradedNestedSum(nodes: GradedNodes, outer: Float64Array[], inner: Float64Array[]): Estimate {
  const { w0K, w0G, seg, w1K, w1G, u0, u1 } = nodes;
  const n0 = w0K.length;
  const R = nodes.settings.R;
  const no = outer.length;
  const ni = inner.length;
  const innerRank = nodes.rank === 2;
  let value = 0;
  let error = 0;
  let mass = 0;
  let tail = 0;
  let panK = 0;
  let panG = 0;
  let panM = 0;
  let firstF = 0;
  let lastF = 0;
  for (let a = 0; a < n0; a++) {
    let Fa = 1;
    for (let j = 0; j < no; j++) Fa *= outer[j]![a]!;
    let IK = 0;
    let IM = 0;
    let Ierr = 0;
    let Itail = 0;
    if (!innerRank) {
      IK = 1;
      IM = 1;
    } else {
      const lo = seg[a]!;
      const hi = seg[a + 1]!;
      let f0 = 0;
      let f1 = 0;
      for (let q = lo; q < hi; q += GK_N) {
        let sK = 0;
        let sG = 0;
        let sM = 0;
        for (let p = q; p < q + GK_N; p++) {
          let f = 1;
          for (let j = 0; j < ni; j++) f *= inner[j]![p]!;
          if (p === lo) f0 = f;
          if (p === hi - 1) f1 = f;
          sK += w1K[p]! * f;
          sG += w1G[p]! * f;
          sM += w1K[p]! * Math.abs(f);
        }
        IK += sK;
        IM += sM;
        Ierr += panelError(sK - sG, sM);
      }
      if (hi > lo) {
        const dens = (x: number, f: number): number => INV_SQRT_2PI * Math.exp(-0.5 * x * x) * Math.abs(f);
        Itail = (10 * (dens(u1[lo]!, f0) + dens(u1[hi - 1]!, f1))) / Math.max(R, 1);
      }
    }
    const wFa = Fa;
    value += w0K[a]! * wFa * IK;
    panK += w0K[a]! * wFa * IK;
    panG += w0G[a]! * wFa * IK;
    panM += w0K[a]! * Math.abs(wFa) * IM;
    error += w0K[a]! * Math.abs(wFa) * Ierr;
    tail += w0K[a]! * Math.abs(wFa) * Itail;
    if (a === 0) firstF = wFa * IK;
    if (a === n0 - 1) lastF = wFa * IK;
    if ((a + 1) % GK_N === 0) {
      error += panelError(panK - panG, panM);
      mass += panM;
      panK = 0;
      panG = 0;
      panM = 0;
    }
  }
  if (n0 > 0) {
    const dens = (x: number, f: number): number => INV_SQRT_2PI * Math.exp(-0.5 * x * x) * Math.abs(f);
    tail += (10 * (dens(u0[0]!, firstF) + dens(u0[n0 - 1]!, lastF))) / Math.max(R, 1);
  }
  return { value, error, mass, tail };
}

/** Chebyshev points of the second kind on [−1, 1] (ascending) and their barycentric weights. */
const NC = 17;
const CHEB_X = Float64Array.from({ length: NC }, (_, j) => -Math.cos((j * Math.PI) / (NC - 1)));
const CHEB_W = Float64Array.from({ length: NC }, (_, j) => (j % 2 === 0 ? 1 : -1) * (j === 0 || j === NC - 1 ? 0.5 : 1));

/**
 * c ↦ I(c) = E[g(c + s u)], u ~ N(0, 1), on [cLo, cHi] — the innermost integral of a full-rank nested expectation as
 * a function of its centre — and J(c) = E|g(c + s u)| (its mass). I is g smoothed at scale s: it varies on the scale
 * of σ's map (or 2s) within 8s of σ's non-saturated region and is a polynomial of degree ≤ 3 beyond, so it is
 * interpolated on panels from the smoothed map (Chebyshev, 17 points, barycentric), each value a one-dimensional
 * graded integral. Every panel is checked at two points between the nodes against direct integration and bisected
 * until it agrees; `error` bounds the interpolation and quadrature errors (absolute).
 */
export class SmoothedTable {
  private readonly a: number[] = [];
  private readonly b: number[] = [];
  private readonly v: number[] = [];
  private readonly m: number[] = [];
  error = 0;
  evaluations = 0;

  constructor(
    private readonly map: ResolutionMap,
    private readonly g: (z: number) => number,
    private readonly s: number,
    cLo: number,
    cHi: number,
    private readonly settings: GradedSettings,
    tol: number,
    maxEvals: number,
  ) {
    const inner = map.breakpointsIn(cLo, cHi, s);
    if (!inner) throw mapFailure(map);
    const pts = [cLo, ...inner.filter((x) => x > cLo && x < cHi), cHi];
    // far from σ's features I(c) is a cubic; panels that widen by 2 keep rounding and growth in check
    const bps: number[] = [pts[0]!];
    for (let i = 1; i < pts.length; i++) {
      const lo = bps[bps.length - 1]!;
      const hi = pts[i]!;
      const step = Math.max(hi - lo, 0) / Math.max(1, Math.ceil(Math.log2(Math.max(1, (hi - lo) / Math.max(8 * s, 16)))));
      for (let x = lo + step; x < hi - 1e-9 * step; x += step) bps.push(x);
      bps.push(hi);
    }
    const stack: [number, number, number][] = [];
    for (let i = bps.length - 2; i >= 0; i--) stack.push([bps[i]!, bps[i + 1]!, 0]);
    while (stack.length) {
      const [lo, hi, depth] = stack.pop()!;
      const vals = new Float64Array(NC);
      const mass = new Float64Array(NC);
      let scale = 0;
      for (let j = 0; j < NC; j++) {
        const r = this.direct(0.5 * (lo + hi) + 0.5 * (hi - lo) * CHEB_X[j]!);
        vals[j] = r.value;
        mass[j] = r.mass;
        scale = Math.max(scale, r.mass);
        this.error = Math.max(this.error, r.error);
      }
      // check between the nodes
      let worst = 0;
      for (const t of [0.5 * (CHEB_X[3]! + CHEB_X[4]!), 0.5 * (CHEB_X[11]! + CHEB_X[12]!)]) {
        const c = 0.5 * (lo + hi) + 0.5 * (hi - lo) * t;
        worst = Math.max(worst, Math.abs(barycentric(vals, t) - this.direct(c).value));
      }
      if (this.evaluations > maxEvals) {
        throw new NnftNumericalError(
          'the Gaussian expectation',
          `tabulating the innermost integral at this kernel scale needs more than ${maxEvals.toExponential(1)} integrand evaluations`,
          'reduce the kernel scale (smaller --cw or rescaled --inputs) or the number of distinct inputs',
        );
      }
      if (worst > tol * scale && depth < 8) {
        const mid = 0.5 * (lo + hi);
        stack.push([mid, hi, depth + 1], [lo, mid, depth + 1]);
        continue;
      }
      this.error = Math.max(this.error, 2 * worst);
      this.a.push(lo);
      this.b.push(hi);
      for (let j = 0; j < NC; j++) {
        this.v.push(vals[j]!);
        this.m.push(mass[j]!);
      }
    }
  }

  /** One-dimensional graded integral of g at centre c: value, mass, error (panels + truncation). */
  private direct(c: number): { value: number; mass: number; error: number } {
    const rule = levelRule(levelBreakpoints(this.map, [{ p: c, l: this.s, r: 0 }], this.settings));
    const n = rule.u.length;
    this.evaluations += n;
    let value = 0;
    let mass = 0;
    let error = 0;
    let pK = 0;
    let pG = 0;
    let pM = 0;
    let f0 = 0;
    let f1 = 0;
    for (let q = 0; q < n; q++) {
      const f = this.g(c + this.s * rule.u[q]!);
      if (q === 0) f0 = f;
      if (q === n - 1) f1 = f;
      pK += rule.wK[q]! * f;
      pG += rule.wG[q]! * f;
      pM += rule.wK[q]! * Math.abs(f);
      if ((q + 1) % GK_N === 0) {
        value += pK;
        mass += pM;
        error += panelError(pK - pG, pM);
        pK = 0;
        pG = 0;
        pM = 0;
      }
    }
    return { value, mass, error: error + tailEstimate(rule, f0, f1, this.settings.R) };
  }

  private panel(c: number): number {
    const a = this.a;
    let lo = 0;
    let hi = a.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid]! <= c) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** I(c) and J(c) (c within [cLo, cHi]). */
  eval(c: number): { value: number; mass: number } {
    const i = this.panel(c);
    const lo = this.a[i]!;
    const hi = this.b[i]!;
    const t = Math.min(1, Math.max(-1, (2 * (c - lo)) / (hi - lo) - 1));
    return { value: barycentric(this.v, t, i * NC), mass: barycentric(this.m, t, i * NC) };
  }
}

/** Barycentric interpolation through the Chebyshev points (values at offset o). */
function barycentric(vals: ArrayLike<number>, t: number, o = 0): number {
  let num = 0;
  let den = 0;
  for (let j = 0; j < NC; j++) {
    const d = t - CHEB_X[j]!;
    if (d === 0) return vals[o + j]!;
    const w = CHEB_W[j]! / d;
    num += w * vals[o + j]!;
    den += w;
  }
  return num / den;
}

/**
 * Generic graded nested quadrature (any rank): level d integrates u_d with coordinates finishing at d evaluated
 * there (coordinate i finishes at min(i, rank − 1)); the rules of deeper levels are rebuilt at each outer node.
 * When every coordinate has its own direction (k = rank ≥ 3) the innermost integral is tabulated as a function
 * of its centre (SmoothedTable), which removes one dimension from the loops. Work is counted and the run refused
 * beyond maxEvals (bounded time); an interpolated innermost integral counts 3.
 */
export function gradedProduct(
  map: ResolutionMap,
  gs: ((z: number) => number)[],
  L: number[][],
  rank: number,
  s: GradedSettings,
  maxEvals: number,
  tol = 1e-12,
): Estimate {
  const k = gs.length;
  const finish: number[][] = Array.from({ length: rank }, () => []);
  for (let i = 0; i < k; i++) finish[Math.min(i, rank - 1)]!.push(i);
  const partial: Float64Array[] = Array.from({ length: rank + 1 }, () => new Float64Array(k));
  const levelCoords = (d: number, prev: Float64Array): LevelCoord[] => {
    const coords: LevelCoord[] = [];
    for (let i = d; i < k; i++) {
      let r2 = 0;
      if (i > d && d < rank - 1) for (let e = d + 1; e < Math.min(i, rank - 1) + 1; e++) r2 += L[i]![e]! * L[i]![e]!;
      coords.push({ p: prev[i]!, l: L[i]![d]!, r: Math.sqrt(r2) });
    }
    return coords;
  };
  const tooMany = (n: number): NnftNumericalError =>
    new NnftNumericalError(
      'the Gaussian expectation',
      `resolving the activation's features at this kernel scale in ${rank} dimensions needs about ${n.toExponential(1)} integrand evaluations (more than ${maxEvals.toExponential(1)})`,
      'reduce the kernel scale (smaller --cw or rescaled --inputs) or the number of distinct inputs',
    );
  const tabulate = rank >= 3 && k === rank;
  const loops = tabulate ? rank - 1 : rank;
  // cost estimate before integrating: the rules along the central path u = 0
  {
    let estimate = tabulate ? 3 : 1;
    for (let d = 0; d < loops; d++) estimate *= levelRule(levelBreakpoints(map, levelCoords(d, partial[0]!), s)).u.length;
    if (estimate > maxEvals) throw tooMany(estimate);
  }
  let evals = 0;
  let table: SmoothedTable | undefined;
  if (tabulate) {
    const last = k - 1;
    let reach = 0;
    for (let e = 0; e < rank - 1; e++) reach += Math.abs(L[last]![e]!) * s.R;
    table = new SmoothedTable(map, gs[last]!, Math.abs(L[last]![rank - 1]!), -reach - 1e-12, reach + 1e-12, s, tol, maxEvals);
    evals += table.evaluations;
  }
  const rec = (d: number): Estimate => {
    const prev = partial[d]!;
    const cur = partial[d + 1]!;
    const rule = levelRule(levelBreakpoints(map, levelCoords(d, prev), s));
    const n = rule.u.length;
    evals += tabulate && d === loops - 1 ? 3 * n : n;
    if (evals > maxEvals) throw tooMany(evals);
    const fin = finish[d]!;
    let value = 0;
    let error = 0;
    let mass = 0;
    let tail = 0;
    let pK = 0;
    let pG = 0;
    let pM = 0;
    let Ffirst = 0;
    let Flast = 0;
    for (let q = 0; q < n; q++) {
      const u = rule.u[q]!;
      for (let i = d; i < k; i++) cur[i] = prev[i]! + L[i]![d]! * u;
      let F = 1;
      for (let t = 0; t < fin.length; t++) {
        const i = fin[t]!;
        F *= gs[i]!(cur[i]!);
      }
      let inner: Estimate = { value: 1, error: 0, mass: 1, tail: 0 };
      if (table && d === loops - 1) {
        if (F !== 0) {
          const t = table.eval(cur[k - 1]!);
          inner = { value: t.value, error: table.error, mass: t.mass, tail: 0 };
        } else inner = { value: 0, error: 0, mass: 0, tail: 0 };
      } else if (d < loops - 1 && F !== 0) inner = rec(d + 1);
      else if (d < loops - 1) inner = { value: 0, error: 0, mass: 0, tail: 0 };
      const f = F * inner.value;
      value += rule.wK[q]! * f;
      pK += rule.wK[q]! * f;
      pG += rule.wG[q]! * f;
      pM += rule.wK[q]! * Math.abs(F) * inner.mass;
      error += rule.wK[q]! * Math.abs(F) * inner.error;
      tail += rule.wK[q]! * Math.abs(F) * inner.tail;
      if (q === 0) Ffirst = f;
      if (q === n - 1) Flast = f;
      if ((q + 1) % GK_N === 0) {
        error += panelError(pK - pG, pM);
        mass += pM;
        pK = 0;
        pG = 0;
        pM = 0;
      }
    }
    tail += tailEstimate(rule, Ffirst, Flast, s.R);
    return { value, error, mass, tail };
  };
  return rec(0);
}
