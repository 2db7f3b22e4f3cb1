/**
 * Where a smooth activation σ has features, at which scale, and where it saturates — computed once per activation
 * and used by the graded quadrature (src/gaussian/graded.ts) when the Gaussian is much wider than σ's features
 * (large kernel values: a sech² of width ~1 under a Gaussian of width √K ≫ 1).
 *
 * - growth: σ is "tame" when σ^(k) (k ≤ 2) is finite on |z| ≤ 2⁴⁰ and grows at most like a power |z|^p (p ≤ 16):
 *   then every product of σ^(k) has a Gaussian tail like a polynomial times e^{−z²/2K}, and the graded rule applies.
 *   Exponentially growing σ (exp, cosh, exp(z²)) are not tame: their expectations are handled (or refused) by the
 *   calibrated trapezoid rule, whose tail analysis follows the growth.
 * - saturation: beyond Z₊ (and below −Z₋), every σ^(k), k ≤ 4, is numerically a polynomial of degree ≤ 3: for some
 *   d ≤ 3, σ^(k+d) varies over the whole tail by at most 1e-15 of its scale, ∫_{Z}^{∞} |σ^(k+d+1)| ≤ 1e-15·(S + |σ^(k+d)(Z)|)
 *   (Taylor's theorem with the integral remainder; sampled on a geometric grid out to 10¹²). There a panel of the
 *   Gaussian partition alone integrates exactly; tanh saturates at |z| ≈ 18, gelu at ≈ 9 (linear), sin never.
 * - resolution map: breakpoints in z on [−Z₋, Z₊] (or, for a side that never saturates, geometric panels out to where
 *   they are needed), refined by bisection until the 15-point Gauss–Kronrod error estimate of ∫σ^(k) over every panel,
 *   k ≤ 4, is below 1e-13 of the panel's mass plus 1e-13·max|σ^(k)| per unit length (the rounding level of
 *   expressions that cancel in the tails, and negligible in any Gaussian average).
 *   For tanh: unit panels on |z| ≤ 8 and a few widening ones to 18 (about 30 panels).
 *
 * Assumption (documented in docs/quadrature.md): σ has no features narrower than ~3% of |z| beyond the sampled core
 * (the saturation test samples the tails geometrically); user expressions such as tanh(z − 10⁵) are out of scope.
 */
import type { Activation } from '../activations/types.ts';
import { GK15_T, GK15_WG, GK15_WK, GK_N, panelError } from './kronrod.ts';

/** Largest order of σ resolved by the map (the tables use higher orders; their panels are checked per evaluation). */
const MAP_ORDER = 4;
const CORE = 8;
const TOL_MAP = 1e-13;
const TOL_SAT = 1e-15;
/** Absolute error density allowed per panel, relative to max |σ^(k)| on the core. */
const TOL_FLOOR = 1e-13;
const MAX_PANELS = 8000;
/** Geometric grid of the saturation test: ratio and extent. */
const SAT_RATIO = 1.03;
const SAT_EXTENT = 1e12;

export interface GrowthInfo {
  tame: boolean;
  /** Why not tame (for messages), e.g. 'σ grows faster than any power of z'. */
  note?: string;
  /** log|σ(z)| / z² at the largest finite sample with |z| ≤ 40 (≈ the quadratic growth rate γ of e^{γz²}). */
  gamma: number;
}

export interface ActivationFeatures {
  growth: GrowthInfo;
  map: ResolutionMap;
}

const cache = new WeakMap<Activation, ActivationFeatures>();

const widths = new WeakMap<Activation, number>();

/**
 * The narrowest panel (15-point Gauss–Kronrod, 1e-13 relative) that σ, σ′, σ″ need on |z| ≤ 8: σ's own feature
 * scale (tanh: 0.5, sin: 1, sin(1000z): ~1e-3; 0 if σ cannot be resolved there at all). The trapezoid rule's
 * step in z is capped at 3× this width, so that an oscillating σ cannot alias into a spuriously converged sum.
 */
export function coreFeatureWidth(act: Activation): number {
  let w = widths.get(act);
  if (w === undefined) {
    w = Infinity;
    const fs = [0, 1, 2].filter((k) => k <= act.maxOrder).map((k) => act.derivative(k));
    const scale = fs.map((g) => {
      let m = 0;
      for (let z = -CORE; z <= CORE; z += 1 / 64) {
        const v = Math.abs(g(z));
        if (Number.isFinite(v)) m = Math.max(m, v);
      }
      return m;
    });
    const stack: [number, number][] = [];
    for (let z = -CORE; z < CORE; z += 1) stack.push([z, z + 1]);
    let panels = 0;
    while (stack.length && w > 0) {
      const [a, b] = stack.pop()!;
      const c = 0.5 * (a + b);
      const hw = 0.5 * (b - a);
      let ok = true;
      for (let k = 0; k < fs.length && ok; k++) {
        let K = 0;
        let G = 0;
        let M = 0;
        for (let j = 0; j < GK_N; j++) {
          const v = fs[k]!(c + hw * GK15_T[j]!);
          if (!Number.isFinite(v)) continue;
          K += GK15_WK[j]! * v;
          G += GK15_WG[j]! * v;
          M += GK15_WK[j]! * Math.abs(v);
          if (Math.abs(v) > scale[k]!) scale[k] = Math.abs(v); // a narrow peak between grid points
        }
        if (panelError(hw * (K - G), hw * M) > TOL_MAP * hw * M + TOL_FLOOR * hw * scale[k]!) ok = false;
      }
      if (ok || hw < 1e-6) {
        w = Math.min(w, b - a);
        continue;
      }
      if (++panels > 4000) {
        w = 0; // finer than the quadratures can follow over |z| ≤ 8
        break;
      }
      stack.push([a, c], [c, b]);
    }
    widths.set(act, w);
  }
  return w;
}

export function activationFeatures(act: Activation): ActivationFeatures {
  let f = cache.get(act);
  if (!f) {
    f = { growth: analyseGrowth(act), map: new ResolutionMap(act) };
    cache.set(act, f);
  }
  return f;
}

function analyseGrowth(act: Activation): GrowthInfo {
  const f0 = act.derivative(0);
  // quadratic growth rate from |z| ≤ 40 (exp(z²) overflows beyond ~26.6)
  let gamma = 0;
  for (const sign of [1, -1]) {
    for (let z = 40; z >= 8; z -= 1) {
      const v = Math.abs(f0(sign * z));
      if (Number.isFinite(v) && v > 0) {
        gamma = Math.max(gamma, Math.log(v) / (z * z));
        break;
      }
    }
  }
  for (let k = 0; k <= Math.min(2, act.maxOrder); k++) {
    const g = act.derivative(k);
    for (const sign of [1, -1]) {
      let prevLog = NaN;
      let prevZ = 0;
      for (let j = 0; j <= 40; j++) {
        const z = sign * 2 ** j;
        const v = g(z);
        if (!Number.isFinite(v)) {
          return { tame: false, gamma, note: `σ${k === 0 ? '' : `^(${k})`}(${z}) = ${v} (overflow in the expression)` };
        }
        const a = Math.abs(v);
        // growth counts only where σ^(k) is large (a decaying feature such as sech²(z − 30) rises harmlessly)
        if (a > 1e3 && Number.isFinite(prevLog) && Math.abs(z) >= 8) {
          const slope = (Math.log(a) - prevLog) / Math.log(Math.abs(z / prevZ));
          if (slope > 16) return { tame: false, gamma, note: `σ${k === 0 ? '' : `^(${k})`} grows faster than any power of z` };
        }
        if (a > 0) {
          prevLog = Math.log(a);
          prevZ = z;
        }
      }
    }
  }
  return { tame: true, gamma };
}

/** Distance on each side beyond which σ is saturated (Infinity: never, within the tested range). */
function saturation(act: Activation, sign: 1 | -1, scales: number[]): number {
  const maxD = (k: number): number => Math.min(3, act.maxOrder - k - 1);
  // geometric samples t_j from CORE to SAT_EXTENT
  const ts: number[] = [];
  for (let t = CORE; t <= SAT_EXTENT; t *= SAT_RATIO) ts.push(t);
  const n = ts.length;
  const top = Math.min(MAP_ORDER + 4, act.maxOrder);
  // abs values |σ^(j)(sign·t)| for j ≤ top, and tail integrals I_j(t_i) = ∫_{t_i}^{∞} |σ^(j)| (trapezoid in ln t)
  const vals: Float64Array[] = [];
  const tails: Float64Array[] = [];
  for (let j = 0; j <= top; j++) {
    const g = act.derivative(j);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.abs(g(sign * ts[i]!));
    vals.push(v);
    const I = new Float64Array(n);
    let acc = ts[n - 1]! * v[n - 1]!; // beyond the last sample: one more e-fold of the trend
    I[n - 1] = acc;
    for (let i = n - 2; i >= 0; i--) {
      acc += 0.5 * Math.log(SAT_RATIO) * (ts[i]! * v[i]! + ts[i + 1]! * v[i + 1]!);
      I[i] = acc;
    }
    tails.push(I);
  }
  for (let i = 0; i < n; i++) {
    if (ts[i]! > 1e6) break;
    let ok = true;
    for (let k = 0; k <= Math.min(MAP_ORDER, act.maxOrder) && ok; k++) {
      let found = false;
      for (let d = 0; d <= maxD(k) && !found; d++) {
        const I = tails[k + d + 1]![i]!;
        const bound = TOL_SAT * ((scales[k + d] ?? 0) + vals[k + d]![i]!);
        if (Number.isFinite(I) && I <= bound) found = true;
      }
      if (!found) ok = false;
    }
    if (ok) return ts[i]!;
  }
  return Infinity;
}

/**
 * Breakpoints in z that resolve σ^(k), k ≤ 4 (see the module comment). Panels are built on [−Z₋, Z₊]; a side that
 * never saturates is extended lazily (geometric panels, bisected where needed) by `ensure`.
 */
export class ResolutionMap {
  readonly satLo: number;
  readonly satHi: number;
  /** sorted breakpoints; panels are [bps[i], bps[i+1]] */
  private bps: number[] = [];
  private builtLo: number;
  private builtHi: number;
  /** why the map could not be extended (too many panels), if so */
  failure?: string;
  private readonly fs: ((z: number) => number)[];
  private readonly coreScale: number[];

  constructor(private readonly act: Activation) {
    const top = Math.min(MAP_ORDER + 4, act.maxOrder);
    // scales max |σ^(j)| on |z| ≤ 64: the saturation test's reference (a shifted activation such as tanh(z − 30)
    // has its features away from 0)
    const scaleOn = (j: number, lo: number, hi: number): number => {
      const g = act.derivative(j);
      let s = 0;
      for (let z = lo; z <= hi; z += 1 / 32) {
        const v = Math.abs(g(z));
        if (Number.isFinite(v)) s = Math.max(s, v);
      }
      return s;
    };
    const scales: number[] = [];
    for (let j = 0; j <= top; j++) scales.push(scaleOn(j, -64, 64));
    this.satHi = saturation(act, 1, scales);
    this.satLo = -saturation(act, -1, scales);
    this.fs = [];
    for (let k = 0; k <= Math.min(MAP_ORDER, act.maxOrder); k++) this.fs.push(act.derivative(k));
    // max |σ^(k)| where σ is not saturated: an absolute error density TOL_FLOOR·S_k is negligible in any Gaussian
    // average (and it is about the rounding level of expressions that cancel in the tails)
    const sLo = Math.max(-64, Number.isFinite(this.satLo) ? this.satLo : -64);
    const sHi = Math.min(64, Number.isFinite(this.satHi) ? this.satHi : 64);
    this.coreScale = this.fs.map((_, k) => scaleOn(k, sLo, sHi));
    const lo = Number.isFinite(this.satLo) ? this.satLo : -CORE;
    const hi = Number.isFinite(this.satHi) ? this.satHi : CORE;
    this.builtLo = lo;
    this.builtHi = hi;
    const seed: number[] = [];
    // unit panels on the core, then geometric (ratio 1.5) out to the saturation points
    const start = Math.max(lo, -CORE);
    const end = Math.min(hi, CORE);
    for (let z = start; z < end - 1e-12; z = Math.min(end, Math.floor(z) + 1)) seed.push(z);
    seed.push(end);
    for (let z = end; z < hi; ) {
      z = Math.min(hi, z * 1.5);
      seed.push(z);
    }
    for (let z = start; z > lo; ) {
      z = Math.max(lo, z * 1.5);
      seed.unshift(z);
    }
    this.bps = this.refine(seed);
  }

  /**
   * Refine a list of breakpoints by bisecting panels whose test integrals fail the Gauss–Kronrod criterion. A panel
   * narrower than 1/4, within 10× of its tolerance, whose halves together are no better than 0.7 of it is limited
   * by rounding (noise in an expression that cancels, e.g. high derivatives of tanh forms where σ^(k) ~ 1e-15): it
   * is accepted as it is. (An unresolved narrow feature is far above its tolerance and keeps being bisected.)
   */
  private refine(seed: number[]): number[] {
    const out: number[] = [seed[0]!];
    const stack: { a: number; b: number; err: number }[] = [];
    for (let i = seed.length - 2; i >= 0; i--) stack.push({ a: seed[i]!, b: seed[i + 1]!, err: Infinity });
    let count = 0;
    while (stack.length) {
      const p = stack.pop()!;
      const e = this.excess(p.a, p.b);
      if (e > 1 && p.b - p.a > 1e-9 * Math.max(1, Math.abs(p.a))) {
        const m = 0.5 * (p.a + p.b);
        const e1 = this.excess(p.a, m);
        const e2 = this.excess(m, p.b);
        const roundoff = p.b - p.a < 1 / 4 && e1 + e2 > 0.7 * e && e <= 10;
        if (!roundoff) {
          stack.push({ a: m, b: p.b, err: e2 }, { a: p.a, b: m, err: e1 });
          continue;
        }
      }
      out.push(p.b);
      if (++count > MAX_PANELS) {
        this.failure = `σ varies on too fine a scale over ${fmtRange(seed[0]!, seed[seed.length - 1]!)} (more than ${MAX_PANELS} panels)`;
        out.push(seed[seed.length - 1]!);
        return out;
      }
    }
    return out;
  }

  /** max over the test functions of (Gauss–Kronrod error estimate) / (allowed error) on [a, b]; ≤ 1 passes. */
  private excess(a: number, b: number): number {
    const c = 0.5 * (a + b);
    const hw = 0.5 * (b - a);
    let worst = 0;
    for (let k = 0; k < this.fs.length; k++) {
      const g = this.fs[k]!;
      let K = 0;
      let G = 0;
      let M = 0;
      let finite = true;
      for (let j = 0; j < GK_N; j++) {
        const v = g(c + hw * GK15_T[j]!);
        if (!Number.isFinite(v)) {
          finite = false; // left to the integrator's own checks (it reports the value)
          break;
        }
        K += GK15_WK[j]! * v;
        G += GK15_WG[j]! * v;
        M += GK15_WK[j]! * Math.abs(v);
        if (Math.abs(v) > this.coreScale[k]!) this.coreScale[k] = Math.abs(v); // a narrow peak between grid points
      }
      if (!finite) continue;
      const err = panelError(hw * (K - G), hw * M);
      const allowed = TOL_MAP * hw * M + TOL_FLOOR * hw * this.coreScale[k]!;
      worst = Math.max(worst, allowed > 0 ? err / allowed : err > 0 ? Infinity : 0);
    }
    return worst;
  }

  /**
   * Make sure the map covers [zlo, zhi] on sides that never saturate, extending by doubling chunks. A chunk that
   * needs many panels (σ oscillates, like sin) projects the count for the rest of the range: beyond MAX_PANELS the
   * extension is refused at once (see failure). Returns false if the map cannot cover the range.
   */
  ensure(zlo: number, zhi: number): boolean {
    if (this.failure) return false;
    const extend = (sign: 1 | -1, target: number): void => {
      for (;;) {
        const edge = sign > 0 ? this.builtHi : -this.builtLo;
        if (edge >= target || this.failure) return;
        const end = Math.min(target, Math.max(2 * edge, edge + 8));
        const seed = [edge];
        for (let z = edge; z < end; ) {
          z = Math.min(end, Math.max(z * 1.5, z + 1));
          seed.push(z);
        }
        const more = this.refine(sign > 0 ? seed : seed.map((z) => -z).reverse());
        if (this.failure) return;
        if (sign > 0) {
          this.bps.push(...more.slice(1));
          this.builtHi = this.bps[this.bps.length - 1]!;
        } else {
          this.bps = [...more.slice(0, -1), ...this.bps];
          this.builtLo = this.bps[0]!;
        }
        const added = more.length - 1;
        const projected = this.bps.length + (added * (target - end)) / (end - edge);
        if (projected > MAX_PANELS) {
          this.failure = `σ does not saturate and varies on the scale of ${fmt((end - edge) / added)} out to |z| = ${fmt(end)}: resolving it to |z| = ${fmt(target)} would need about ${fmt(projected)} panels (more than ${MAX_PANELS})`;
          return;
        }
      }
    };
    if (!Number.isFinite(this.satHi) && zhi > this.builtHi) extend(1, zhi);
    if (!Number.isFinite(this.satLo) && zlo < this.builtLo) extend(-1, -zlo);
    return !this.failure;
  }

  /** Non-saturated region [lo, hi] (finite ends where σ saturates, the built extent otherwise). */
  get coreLo(): number {
    return Number.isFinite(this.satLo) ? this.satLo : -Infinity;
  }
  get coreHi(): number {
    return Number.isFinite(this.satHi) ? this.satHi : Infinity;
  }

  /** Number of panels (for tests and cost estimates). */
  get size(): number {
    return this.bps.length - 1;
  }

  /**
   * Breakpoints in [zlo, zhi] that resolve σ itself (r = 0), or σ seen through a Gaussian of standard deviation r
   * (the conditional spread of a coordinate integrated at deeper levels): the map's breakpoints thinned to a
   * spacing ≥ 2r, and points every 2r over the 8r beyond each saturation point. None where σ has saturated.
   * Returns undefined when the map cannot be extended that far (see failure).
   */
  breakpointsIn(zlo: number, zhi: number, r: number): number[] | undefined {
    const halo = 8 * r;
    const a = Math.max(zlo, this.coreLo - halo);
    const b = Math.min(zhi, this.coreHi + halo);
    if (!(a <= b)) return [];
    if (!this.ensure(Math.max(a, this.coreLo), Math.min(b, this.coreHi))) return undefined;
    const out: number[] = [];
    const push = (z: number): void => {
      if (z < zlo || z > zhi) return;
      if (r > 0 && out.length && z - out[out.length - 1]! < 2 * r) return;
      out.push(z);
    };
    if (r > 0 && Number.isFinite(this.coreLo)) {
      for (let z = Math.max(a, this.coreLo - halo); z < this.coreLo; z += 2 * r) push(z);
    }
    const bps = this.bps;
    for (let i = Math.max(0, upperBound(bps, a) - 1); i < bps.length; i++) {
      const z = bps[i]!;
      if (z > b) break;
      if (z >= a) push(z);
    }
    if (r > 0 && Number.isFinite(this.coreHi)) {
      for (let z = this.coreHi + 2 * r; z <= Math.min(b, this.coreHi + halo); z += 2 * r) push(z);
    }
    return out;
  }
}

/** First index i with a[i] > x. */
function upperBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m]! <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

function fmtRange(a: number, b: number): string {
  return `${a.toPrecision(3)} ≤ z ≤ ${b.toPrecision(3)}`;
}
